// elf.cpp: reads an ELF cubin as NVRTC 11.8 writes it (nvrtcGetCUBIN; checked on its output for sm_52 to sm_90).
// Over 300 lines on purpose: one ELF reader whose every check guards the next read; the layout notes it cites are a
// quarter of it.
//
// The layout, from the System V gABI (ELF header, sections, symbol table), LLVM's BinaryFormat/ELF.h (EM_CUDA,
// the CUDA ABI versions, the e_flags fields) and NVRTC's own output:
// - ELF64, little-endian, e_machine EM_CUDA (190). The SM number is in e_flags: with EI_ABIVERSION 7
//   (ELFABIVERSION_CUDA_V1, every NVRTC 11.8 cubin) it is the low byte (EF_CUDA_SM), the virtual architecture
//   the code came from is bits 16–23 (EF_CUDA_VIRTUAL_SM): sm_90 from compute_90 is 0x5a055a, 0x500 being
//   EF_CUDA_64BIT_ADDRESS | EF_CUDA_TEXMODE_UNIFIED. With 8 (ELFABIVERSION_CUDA_V2, newer toolkits) it is bits
//   8–15 (EF_CUDA_SM_MASK).
// - Kernels are the FUNC symbols, global or weak (a template kernel is weak), whose st_other has STO_CUDA_ENTRY
//   (0x10; cuda-gdb's elf reader calls it that, nvdisasm prints it). Device functions that were not inlined are
//   local FUNC symbols, and the compiler's helpers (division, ...) weak ones, neither with the entry bit. A
//   kernel's code is section .text.<name>.
// - Each kernel has a section .nv.info.<name> (type SHT_LOPROC, sh_info its .text section), and each such section
//   is a kernel's: NVRTC writes one even for a kernel without parameters or bounds. It holds records of a format
//   byte, an attribute byte and 16 bits that are the value (EIFMT_HVAL) or the size of the value that follows
//   (EIFMT_SVAL). The attribute numbers are those of VivekPanyam/cudaparsers (src/cubin.rs), checked here:
//   EIATTR_MAX_THREADS (0x05, SVAL of three uint32 x, y, z) is what __launch_bounds__(N) gives (N, 1, 1);
//   EIATTR_KPARAM_INFO (0x17, SVAL of 12 bytes: uint32 index, uint16 ordinal, uint16 offset, uint32 whose bits
//   18–31 are the size in bytes) is one per parameter, and EIATTR_CBANK_PARAM_SIZE (0x19, HVAL) is the bytes
//   of all parameters. A kernel without parameters has no KPARAM_INFO.
//
// The image has no length, so its headers are all there is to go by. NVRTC's cubins hold every section's data
// first, then the section header table at e_shoff, then the program header table right after it, ending the
// image. Requiring the program headers to follow the section headers is what catches a damaged e_shoff, e_shnum
// or e_phoff before the section headers are read; every section must then lie before e_shoff, and every other
// offset inside its section.
#include "formats.h"

#include <cstdint>
#include <cstdio>
#include <map>

namespace mockgpu::cubin::detail
{
namespace
{
constexpr unsigned EI_CLASS = 4, EI_DATA = 5, EI_VERSION = 6, EI_ABIVERSION = 8;
constexpr unsigned char ELFCLASS64 = 2, ELFDATA2LSB = 1, EV_CURRENT = 1;
constexpr unsigned char ELFABIVERSION_CUDA_V1 = 7, ELFABIVERSION_CUDA_V2 = 8;
constexpr uint64_t EM_CUDA = 190;
constexpr uint64_t EHDR_SIZE = 64, SHDR_SIZE = 64, PHDR_SIZE = 56, SYM_SIZE = 24;
constexpr uint32_t SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_NOBITS = 8;
constexpr uint32_t SHT_CUDA_INFO = 0x70000000; // SHT_LOPROC, as NVIDIA uses it for .nv.info
constexpr uint64_t SHF_EXECINSTR = 0x4;
constexpr uint64_t SHN_LORESERVE = 0xff00;
constexpr unsigned STB_GLOBAL = 1, STB_WEAK = 2, STT_FUNC = 2;
constexpr unsigned STO_CUDA_ENTRY = 0x10;
constexpr unsigned EIFMT_NVAL = 1, EIFMT_BVAL = 2, EIFMT_HVAL = 3, EIFMT_SVAL = 4;
constexpr unsigned EIATTR_MAX_THREADS = 0x05, EIATTR_KPARAM_INFO = 0x17, EIATTR_CBANK_PARAM_SIZE = 0x19;
// Threads per block on every architecture so far (Programming Guide, technical specifications).
constexpr uint64_t MAX_BLOCK_THREADS = 1024;
// Far above any cubin, low enough that no sum of two header fields overflows.
constexpr uint64_t MAX_IMAGE_BYTES = uint64_t(1) << 31;

struct Section
{
    uint64_t name_offset; // in the section name table
    std::string name;
    uint32_t type;
    uint64_t flags, offset, size;
    uint32_t link, info;
    uint64_t entsize;
};

struct Param
{
    unsigned offset, size;
};

class ElfReader
{
public:
    explicit ElfReader(const unsigned char* image) : image_(image) {}

    bool read(Image& out, std::string& error)
    {
        bool ok = header(out.sm) && section_headers() && kernels(out.kernels);
        if (!ok) error = "ELF cubin: " + error_;
        return ok;
    }

private:
    const unsigned char* image_;
    uint64_t section_data_end_ = 0; // e_shoff: all section data lies before the section headers
    std::vector<Section> sections_;
    std::string error_;

    bool fail(std::string why)
    {
        error_ = std::move(why);
        return false;
    }

    // Little-endian, so the host's byte order and alignment do not matter; the caller has checked the range.
    uint64_t field(uint64_t offset, unsigned bytes) const
    {
        uint64_t v = 0;
        for (unsigned i = 0; i < bytes; i++) v |= uint64_t(image_[offset + i]) << (8 * i);
        return v;
    }

    bool header(int& sm)
    {
        const unsigned char* ident = image_;
        if (ident[EI_CLASS] != ELFCLASS64) return fail("not a 64-bit ELF (EI_CLASS " + std::to_string(ident[EI_CLASS]) + ")");
        if (ident[EI_DATA] != ELFDATA2LSB) return fail("not little-endian (EI_DATA " + std::to_string(ident[EI_DATA]) + ")");
        if (ident[EI_VERSION] != EV_CURRENT) return fail("EI_VERSION is " + std::to_string(ident[EI_VERSION]) + ", not 1");
        uint64_t machine = field(18, 2);
        if (machine != EM_CUDA) return fail("e_machine is " + std::to_string(machine) + ", not EM_CUDA (190)");
        uint64_t flags = field(48, 4);
        if (ident[EI_ABIVERSION] == ELFABIVERSION_CUDA_V1)
        {
            uint64_t real = flags & 0xff, virtual_sm = (flags >> 16) & 0xff;
            // Code for sm_XY is compiled from compute_XY or an older virtual architecture, never a newer one.
            if (real == 0 || virtual_sm == 0 || virtual_sm > real)
                return fail("e_flags 0x" + hex(flags) + " name no architecture (sm " + std::to_string(real) + " from compute " +
                            std::to_string(virtual_sm) + ")");
            sm = int(real);
        }
        else if (ident[EI_ABIVERSION] == ELFABIVERSION_CUDA_V2)
        {
            sm = int((flags >> 8) & 0xff);
            if (sm == 0) return fail("e_flags 0x" + hex(flags) + " name no architecture");
        }
        else
            return fail("unknown CUDA ELF ABI version " + std::to_string(ident[EI_ABIVERSION]) + " (7 and 8 are known)");

        uint64_t ehsize = field(52, 2), phentsize = field(54, 2), phnum = field(56, 2);
        uint64_t shentsize = field(58, 2), shnum = field(60, 2);
        uint64_t phoff = field(32, 8), shoff = field(40, 8);
        if (ehsize != EHDR_SIZE || shentsize != SHDR_SIZE) return fail("e_ehsize or e_shentsize is not the ELF64 size");
        if (shnum == 0) return fail("no section headers");
        if (shoff < EHDR_SIZE || shoff > MAX_IMAGE_BYTES) return fail("e_shoff " + std::to_string(shoff) + " is outside the image");
        if (phnum != 0)
        {
            if (phentsize != PHDR_SIZE) return fail("e_phentsize is not the ELF64 size");
            if (phoff != shoff + shnum * SHDR_SIZE)
                return fail("the program headers (e_phoff " + std::to_string(phoff) + ") do not follow the section headers (" +
                            std::to_string(shoff) + " + " + std::to_string(shnum) + " · 64)");
        }
        section_data_end_ = shoff;
        return true;
    }

    bool section_headers()
    {
        uint64_t shoff = field(40, 8), shnum = field(60, 2), shstrndx = field(62, 2);
        for (uint64_t i = 0; i < shnum; i++)
        {
            uint64_t h = shoff + i * SHDR_SIZE;
            Section s{field(h, 4), "", uint32_t(field(h + 4, 4)), field(h + 8, 8), field(h + 24, 8), field(h + 32, 8),
                      uint32_t(field(h + 40, 4)), uint32_t(field(h + 44, 4)), field(h + 56, 8)};
            if (i == 0 && s.type != SHT_NULL) return fail("section 0 is not SHT_NULL");
            if (s.type != SHT_NULL && s.type != SHT_NOBITS &&
                (s.offset < EHDR_SIZE || s.offset > section_data_end_ || s.size > section_data_end_ - s.offset))
                return fail("section " + std::to_string(i) + " (offset " + std::to_string(s.offset) + ", " + std::to_string(s.size) +
                            " bytes) is outside the data before the section headers at " + std::to_string(section_data_end_));
            sections_.push_back(std::move(s));
        }
        if (shstrndx == 0 || shstrndx >= shnum) return fail("e_shstrndx " + std::to_string(shstrndx) + " is not a section");
        const Section& names = sections_[shstrndx];
        if (!string_table(names, "the section name table")) return false;
        for (Section& s : sections_)
            if (!string_at(names, s.name_offset, s.name))
                return fail("a section name (at " + std::to_string(s.name_offset) + ") is outside the section name table");
        return true;
    }

    bool string_table(const Section& s, const char* what)
    {
        if (s.type != SHT_STRTAB) return fail(std::string(what) + " is not SHT_STRTAB");
        if (s.size == 0 || image_[s.offset + s.size - 1] != 0) return fail(std::string(what) + " does not end with a NUL");
        return true;
    }

    // A string of a table that string_table() accepted, so its end is a NUL.
    bool string_at(const Section& table, uint64_t offset, std::string& out) const
    {
        if (offset >= table.size) return false;
        out = reinterpret_cast<const char*>(image_ + table.offset + offset);
        return true;
    }

    bool kernels(std::vector<Kernel>& out)
    {
        const Section* symtab = nullptr;
        for (const Section& s : sections_)
            if (s.type == SHT_SYMTAB)
            {
                if (symtab != nullptr) return fail("more than one symbol table");
                symtab = &s;
            }
        if (symtab == nullptr) return fail("no symbol table");
        if (symtab->entsize != SYM_SIZE || symtab->size % SYM_SIZE != 0) return fail("the symbol table's entries are not ELF64 symbols");
        if (symtab->link == 0 || symtab->link >= sections_.size()) return fail("the symbol table names no string table");
        const Section& names = sections_[symtab->link];
        if (!string_table(names, "the symbol name table")) return false;

        std::map<std::string, const Section*> infos;
        for (const Section& s : sections_)
            if (s.name.compare(0, 9, ".nv.info.") == 0) infos[s.name.substr(9)] = &s;

        for (uint64_t at = symtab->offset; at < symtab->offset + symtab->size; at += SYM_SIZE)
        {
            unsigned info = unsigned(field(at + 4, 1)), other = unsigned(field(at + 5, 1));
            unsigned bind = info >> 4, type = info & 0xf;
            if (type != STT_FUNC || (bind != STB_GLOBAL && bind != STB_WEAK) || (other & STO_CUDA_ENTRY) == 0) continue;
            Kernel k;
            uint64_t name_at = field(at, 4), shndx = field(at + 6, 2), value = field(at + 8, 8), size = field(at + 16, 8);
            if (!string_at(names, name_at, k.name) || k.name.empty())
                return fail("the kernel symbol at " + std::to_string(at) + " has no name");
            for (const Kernel& seen : out)
                if (seen.name == k.name) return fail("kernel " + quoted(k.name) + " is defined twice");
            if (shndx == 0 || shndx >= SHN_LORESERVE || shndx >= sections_.size())
                return fail("kernel " + quoted(k.name) + " is in no section (" + std::to_string(shndx) + ")");
            const Section& text = sections_[shndx];
            if (text.type != SHT_PROGBITS || (text.flags & SHF_EXECINSTR) == 0 || text.name != ".text." + k.name)
                return fail("kernel " + quoted(k.name) + " is in section " + quoted(text.name) + ", not its code section");
            if (value > text.size || size > text.size - value)
                return fail("kernel " + quoted(k.name) + " (" + std::to_string(size) + " bytes at " + std::to_string(value) +
                            ") does not fit its code section");
            auto found = infos.find(k.name);
            if (found == infos.end()) return fail("kernel " + quoted(k.name) + " has no section .nv.info." + k.name);
            if (!kernel_info(*found->second, shndx, k)) return false;
            infos.erase(found);
            out.push_back(std::move(k));
        }
        if (!infos.empty()) return fail("section " + quoted(infos.begin()->second->name) + " belongs to no kernel");
        return true;
    }

    // The kernel's .nv.info.<name>: __launch_bounds__ and the parameters.
    bool kernel_info(const Section& s, uint64_t text_index, Kernel& k)
    {
        std::string where = "in " + quoted(s.name) + ", ";
        if (s.type != SHT_CUDA_INFO || s.info != text_index) return fail(quoted(s.name) + " is not the attribute section of the kernel's code");
        std::map<unsigned, Param> params; // by ordinal
        uint64_t cbank_param_size = 0;
        bool bounded = false;
        for (uint64_t at = s.offset, end = s.offset + s.size; at < end;)
        {
            if (end - at < 4) return fail(where + "a record is cut off at the end of the section");
            unsigned format = unsigned(field(at, 1)), attribute = unsigned(field(at + 1, 1));
            uint64_t value = field(at + 2, 2), payload = at + 4;
            at = payload;
            if (format == EIFMT_SVAL)
            {
                if (value > end - at) return fail(where + "attribute 0x" + hex(attribute) + " runs past the end of the section");
                at += value;
            }
            else if (format != EIFMT_NVAL && format != EIFMT_BVAL && format != EIFMT_HVAL)
                return fail(where + "a record has the unknown format " + std::to_string(format));

            if (attribute == EIATTR_MAX_THREADS)
            {
                if (format != EIFMT_SVAL || value != 12 || bounded) return fail(where + "EIATTR_MAX_THREADS is not one (x, y, z)");
                uint64_t x = field(payload, 4), y = field(payload + 4, 4), z = field(payload + 8, 4);
                // Each bounded first: three 32-bit values can multiply past 2^64 and wrap to a small product.
                if (x == 0 || y == 0 || z == 0 || x > MAX_BLOCK_THREADS || y > MAX_BLOCK_THREADS || z > MAX_BLOCK_THREADS ||
                    x * y * z > MAX_BLOCK_THREADS)
                    return fail(where + "EIATTR_MAX_THREADS (" + std::to_string(x) + ", " + std::to_string(y) + ", " + std::to_string(z) +
                                ") is not a block size");
                k.max_threads = unsigned(x * y * z);
                bounded = true;
            }
            else if (attribute == EIATTR_KPARAM_INFO)
            {
                if (format != EIFMT_SVAL || value != 12) return fail(where + "an EIATTR_KPARAM_INFO is not 12 bytes");
                unsigned ordinal = unsigned(field(payload + 4, 2)), offset = unsigned(field(payload + 6, 2));
                unsigned size = unsigned(field(payload + 8, 4) >> 18);
                if (size == 0 || !params.emplace(ordinal, Param{offset, size}).second)
                    return fail(where + "parameter " + std::to_string(ordinal) + " is described twice or has no size");
            }
            else if (attribute == EIATTR_CBANK_PARAM_SIZE)
            {
                if (format != EIFMT_HVAL) return fail(where + "EIATTR_CBANK_PARAM_SIZE is not a 16-bit value");
                cbank_param_size = value;
            }
        }
        // Parameters are laid out by ordinal, each after the one before, all inside the parameter bank.
        uint64_t next_free = 0;
        for (const auto& [ordinal, p] : params)
        {
            if (ordinal != k.param_sizes.size()) return fail(where + "parameter " + std::to_string(k.param_sizes.size()) + " is missing");
            if (p.offset < next_free || (cbank_param_size != 0 && p.offset + p.size > cbank_param_size))
                return fail(where + "parameter " + std::to_string(ordinal) + " (" + std::to_string(p.size) + " bytes at " +
                            std::to_string(p.offset) + ") overlaps another or lies outside the " + std::to_string(cbank_param_size) +
                            " parameter bytes");
            next_free = p.offset + p.size;
            k.param_sizes.push_back(p.size);
        }
        return true;
    }

    static std::string hex(uint64_t v)
    {
        char s[24];
        std::snprintf(s, sizeof s, "%llx", static_cast<unsigned long long>(v));
        return s;
    }
};
} // namespace

bool read_elf(const unsigned char* image, Image& out, std::string& error)
{
    return ElfReader(image).read(out, error);
}
} // namespace mockgpu::cubin::detail
