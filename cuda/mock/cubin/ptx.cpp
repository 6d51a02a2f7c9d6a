// ptx.cpp: reads PTX text as NVRTC 11.8 writes it (nvrtcGetPTX), following the PTX ISA's grammar for what it
// needs ("Directives": .target; "Kernel and Function Directives": .entry and its .param list; "Performance-Tuning
// Directives": .maxntid):
//   .target sm_90
//   .visible .entry sum_chunks_f32(
//       .param .u64 sum_chunks_f32_param_0,
//       .param .align 8 .b8 sum_generic_f32_param_2[136]
//   )
//   .maxntid 256, 1, 1
//   { ... }
// A parameter's size is its type's times its array length. Bodies are skipped by matching braces; an .entry
// ending in ';' is a declaration, not a kernel.
#include "formats.h"

#include <cctype>
#include <cstdint>
#include <cstring>

namespace mockgpu::cubin::detail
{
namespace
{
// Threads per block on every architecture so far (Programming Guide, technical specifications).
constexpr uint64_t MAX_BLOCK_THREADS = 1024;

// PTX ISA, "Fundamental Types": the types a .param can have, by size.
unsigned type_size(std::string_view t)
{
    static const struct
    {
        const char* name;
        unsigned size;
    } types[] = {
        {".b8", 1},   {".u8", 1},   {".s8", 1},    {".b16", 2},    {".u16", 2},   {".s16", 2},   {".f16", 2},
        {".bf16", 2}, {".b32", 4},  {".u32", 4},   {".s32", 4},    {".f32", 4},   {".f16x2", 4}, {".bf16x2", 4},
        {".b64", 8},  {".u64", 8},  {".s64", 8},   {".f64", 8},    {".b128", 16},
    };
    for (const auto& type : types)
        if (t == type.name) return type.size;
    return 0;
}

bool word_char(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}

// Tokens: identifiers and directives (".param"), numbers, strings, and single punctuation characters;
// whitespace and comments between them are skipped. An empty token is the end of the text.
class Lexer
{
public:
    explicit Lexer(const char* text) : at_(text) {}

    std::string_view peek()
    {
        const char* saved = at_;
        std::string_view t = next();
        at_ = saved;
        return t;
    }

    std::string_view next()
    {
        skip_space();
        const char* start = at_;
        if (*at_ == 0) return {};
        if (*at_ == '"')
        {
            for (at_++; *at_ != 0 && *at_ != '"'; at_++)
                if (*at_ == '\\' && at_[1] != 0) at_++;
            if (*at_ == '"') at_++;
        }
        else if (word_char(*at_) || *at_ == '.' || *at_ == '%')
            for (at_++; word_char(*at_); at_++) {}
        else
            at_++;
        return {start, size_t(at_ - start)};
    }

private:
    const char* at_;

    void skip_space()
    {
        for (;;)
        {
            while (*at_ != 0 && std::isspace(static_cast<unsigned char>(*at_))) at_++;
            if (at_[0] == '/' && at_[1] == '/')
                while (*at_ != 0 && *at_ != '\n') at_++;
            else if (at_[0] == '/' && at_[1] == '*')
            {
                const char* end = std::strstr(at_ + 2, "*/");
                at_ = end != nullptr ? end + 2 : at_ + std::strlen(at_);
            }
            else
                return;
        }
    }
};

// A decimal count (array lengths, .maxntid), 0 when `t` is not one or is absurdly large.
uint64_t count(std::string_view t)
{
    if (t.empty() || t.size() > 9) return 0;
    uint64_t v = 0;
    for (char c : t)
    {
        if (c < '0' || c > '9') return 0;
        v = v * 10 + uint64_t(c - '0');
    }
    return v;
}

class PtxReader
{
public:
    explicit PtxReader(const char* text) : lex_(text) {}

    bool read(Image& out, std::string& error)
    {
        bool ok = module(out);
        if (ok && out.sm == 0) ok = fail("no .target sm_XX");
        if (!ok) error = "PTX: " + error_;
        return ok;
    }

private:
    Lexer lex_;
    std::string error_;

    bool fail(std::string why)
    {
        error_ = std::move(why);
        return false;
    }

    bool module(Image& out)
    {
        for (std::string_view t = lex_.next(); !t.empty(); t = lex_.next())
        {
            if (t == ".target")
            {
                // sm_90, sm_90a: the number is the digits after "sm_".
                std::string_view target = lex_.next(), digits;
                if (target.compare(0, 3, "sm_") == 0)
                {
                    digits = target.substr(3);
                    size_t n = 0;
                    while (n < digits.size() && std::isdigit(static_cast<unsigned char>(digits[n]))) n++;
                    digits = digits.substr(0, n);
                }
                uint64_t sm = count(digits);
                if (sm == 0) return fail(".target " + quoted(target) + " is not sm_XX");
                if (out.sm != 0) return fail("more than one .target");
                out.sm = int(sm);
            }
            else if (t == ".entry")
            {
                if (!entry(out)) return false;
            }
            else if (t == "{")
            {
                if (!skip_block()) return false;
            }
        }
        return true;
    }

    bool entry(Image& out)
    {
        Kernel k;
        k.name = std::string(lex_.next());
        if (k.name.empty() || !(word_char(k.name[0]) || k.name[0] == '%') || std::isdigit(static_cast<unsigned char>(k.name[0])))
            return fail(".entry is followed by " + quoted(k.name) + ", not a name");
        std::string what = "kernel " + quoted(k.name) + ": ";
        if (lex_.peek() == "(")
        {
            lex_.next();
            if (lex_.peek() == ")")
                lex_.next();
            else
                for (;;)
                {
                    unsigned size;
                    if (!param(what, size)) return false;
                    k.param_sizes.push_back(size);
                    std::string_view t = lex_.next();
                    if (t == ")") break;
                    if (t != ",") return fail(what + "expected ',' or ')' after parameter " + std::to_string(k.param_sizes.size() - 1));
                }
        }
        for (;;)
        {
            std::string_view t = lex_.next();
            if (t.empty()) return fail(what + "the text ends before the kernel's body");
            if (t == ";") return true; // a declaration
            if (t == "{") break;
            if (t == ".maxntid" && !maxntid(what, k.max_threads)) return false;
        }
        if (!skip_block()) return false;
        for (const Kernel& seen : out.kernels)
            if (seen.name == k.name) return fail(what + "defined twice");
        out.kernels.push_back(std::move(k));
        return true;
    }

    // `.param [.align N] .type [.ptr .space .align N] name[[N]...]`, the .param already next.
    bool param(const std::string& what, unsigned& size)
    {
        if (lex_.next() != ".param") return fail(what + "a parameter does not start with .param");
        unsigned element = 0;
        uint64_t elements = 1;
        bool named = false;
        for (;;)
        {
            std::string_view t = lex_.peek();
            if (t == "," || t == ")" || t.empty()) break;
            lex_.next();
            if (t == ".align")
            {
                if (count(lex_.next()) == 0) return fail(what + ".align is not followed by a number");
            }
            else if (t == "[")
            {
                uint64_t n = count(lex_.next());
                if (n == 0 || lex_.next() != "]") return fail(what + "an array length is not a positive number");
                elements *= n;
                if (elements > UINT32_MAX) return fail(what + "a parameter array is too large");
            }
            else if (t[0] == '.')
            {
                if (unsigned s = type_size(t)) element = s;
            }
            else
                named = true;
        }
        if (element == 0 || !named) return fail(what + "a parameter has no type or no name");
        uint64_t bytes = element * elements;
        if (bytes > UINT32_MAX) return fail(what + "a parameter is too large");
        size = unsigned(bytes);
        return true;
    }

    // `.maxntid x[, y[, z]]`, the .maxntid already read.
    bool maxntid(const std::string& what, unsigned& threads)
    {
        uint64_t product = 1;
        for (int dims = 0;; dims++)
        {
            uint64_t n = count(lex_.next());
            if (n == 0 || dims == 3) return fail(what + ".maxntid is not one to three positive numbers");
            product *= n;
            if (product > MAX_BLOCK_THREADS) return fail(what + ".maxntid allows more than 1024 threads");
            if (lex_.peek() != ",") break;
            lex_.next();
        }
        threads = unsigned(product);
        return true;
    }

    // Skips to the '}' matching a '{' just read.
    bool skip_block()
    {
        for (int depth = 1; depth > 0;)
        {
            std::string_view t = lex_.next();
            if (t.empty()) return fail("the text ends inside a '{' block");
            if (t == "{") depth++;
            if (t == "}") depth--;
        }
        return true;
    }
};
} // namespace

bool read_ptx(const char* text, Image& out, std::string& error)
{
    return PtxReader(text).read(out, error);
}
} // namespace mockgpu::cubin::detail
