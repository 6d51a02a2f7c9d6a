// cubin.cpp: tells the kinds of image apart by their first bytes and hands each to its reader.
#include "formats.h"

#include <cstdio>

namespace mockgpu::cubin
{
namespace
{
// Compared byte by byte, so that a PTX string shorter than a magic is never read past its NUL.
bool starts_with(const unsigned char* image, const unsigned char* magic, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (image[i] != magic[i]) return false;
    return true;
}

// PTX starts with a comment or a directive; a binary image starts with a magic or a control byte.
bool looks_like_text(unsigned char first)
{
    return (first >= 0x20 && first < 0x7f) || first == '\t' || first == '\n' || first == '\r';
}
} // namespace

bool read(const void* image, Image& out, std::string& error)
{
    out = Image{};
    if (image == nullptr)
    {
        error = "the image pointer is null";
        return false;
    }
    const auto* bytes = static_cast<const unsigned char*>(image);
    static const unsigned char elf_magic[] = {0x7f, 'E', 'L', 'F'};
    // fatbinary.h's FATBIN_MAGIC 0xBA55ED50, little-endian: what nvcc embeds, and cuModuleLoadData also accepts.
    static const unsigned char fatbin_magic[] = {0x50, 0xed, 0x55, 0xba};
    bool ok;
    if (starts_with(bytes, elf_magic, sizeof elf_magic))
        ok = detail::read_elf(bytes, out, error);
    else if (starts_with(bytes, fatbin_magic, sizeof fatbin_magic))
    {
        error = "the image is a fatbinary, which the mock does not read (NVRTC gives a cubin or PTX)";
        ok = false;
    }
    else if (looks_like_text(bytes[0]))
        ok = detail::read_ptx(reinterpret_cast<const char*>(bytes), out, error);
    else
    {
        char first[64];
        std::snprintf(first, sizeof first, "0x%02x", bytes[0]);
        error = std::string("the image is neither an ELF cubin nor PTX text (its first byte is ") + first + ")";
        ok = false;
    }
    if (!ok) out = Image{};
    return ok;
}

namespace detail
{
std::string quoted(std::string_view s)
{
    const size_t limit = 80;
    std::string q = "\"";
    for (size_t i = 0; i < s.size() && i < limit; i++)
    {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            q += static_cast<char>(c);
        else
        {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\x%02x", c);
            q += escape;
        }
    }
    if (s.size() > limit) q += "...";
    return q + "\"";
}
} // namespace detail
} // namespace mockgpu::cubin
