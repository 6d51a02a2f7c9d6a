// formats.h: the two readers that cubin.cpp chooses between, and the quoting they share for their messages.
#pragma once

#include "cubin.h"

#include <string_view>

namespace mockgpu::cubin::detail
{
// An ELF cubin; `image` starts with the ELF magic.
bool read_elf(const unsigned char* image, Image& out, std::string& error);

// PTX text, NUL-terminated.
bool read_ptx(const char* text, Image& out, std::string& error);

// `s` as it can stand in a one-line message: quoted, at most 80 characters, anything but printable ASCII as \xNN
// (names come from images that may be damaged).
std::string quoted(std::string_view s);
} // namespace mockgpu::cubin::detail
