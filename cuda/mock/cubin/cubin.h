// cubin.h: what the mock driver reads from the image cuModuleLoadData gets: the architecture it was compiled for,
// its kernels, each kernel's __launch_bounds__ and the sizes of its parameters. The image is what NVRTC produces:
// an ELF cubin (nvrtcGetCUBIN; elf.cpp) or PTX text (nvrtcGetPTX; ptx.cpp). Nothing here runs code; the
// kernels run in the emulator.
//
// The image comes without a length, as cuModuleLoadData's does: an ELF cubin's extent is what its own headers
// say, and every other offset in it is checked against that, so a damaged cubin gives an error, not a read
// outside the image; PTX is a NUL-terminated string, as the driver API requires.
#pragma once

#include <string>
#include <vector>

namespace mockgpu::cubin
{
struct Kernel
{
    std::string name;
    unsigned max_threads = 0;          // from __launch_bounds__; 0 = none
    std::vector<unsigned> param_sizes; // in bytes, by ordinal; empty if unknown (or the kernel has none)
};

struct Image
{
    int sm = 0; // e.g. 90, from the ELF header flags or the PTX .target
    std::vector<Kernel> kernels;
};

// Reads `image`. False, with `out` empty and a one-line reason in `error`, for a damaged or unknown image.
bool read(const void* image, Image& out, std::string& error);
} // namespace mockgpu::cubin
