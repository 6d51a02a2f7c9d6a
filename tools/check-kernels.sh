#!/usr/bin/env bash
# Checks the CUDA kernels (cuda/*.cu) on a machine without a GPU, in two steps.
# 1. NVRTC compile check: each file is compiled on its own (as the CUDA backend does) to a cubin for every
#    architecture in ARCHS, with the backend's options plus ptxas warnings on register spills and local memory;
#    the compile log must be empty (any warning fails), and the kernels in the cubin (its global function
#    symbols) must be exactly the file's extern "C" __global__ declarations, from which DafL.SourceGen also
#    generates the backend's kernel names (a kernel not extern "C" would be exported under a mangled name).
#    Needs libnvrtc: Debian bookworm non-free libnvrtc11.2 + libnvrtc-builtins11.8 (or NVRTC_LIBRARY=path).
# 2. Emulator tests: cuda/emulator/*.cpp (kernel_tests.cpp's main and one <file>_tests.cpp per kernel file) run every kernel on the CPU (cuda/emulator/emulator.h: one
#    fiber per CUDA thread, barriers and shuffles emulated) against reference loops that follow the C# CPU
#    backend, at several block and grid sizes. Needs g++ (C++17).
# Usage: tools/check-kernels.sh [file.cu ...]   (default: every cuda/*.cu; the emulator step always runs all)
set -euo pipefail
cd "$(dirname "$0")/.."

ARCHS="${ARCHS:-sm_80 sm_90}"
if [ "$#" -eq 0 ]; then set -- cuda/*.cu; fi

echo "== NVRTC compile check"
/usr/bin/python3 - "$ARCHS" "$@" <<'PY'
import ctypes, ctypes.util, os, re, struct, sys

archs = sys.argv[1].split()
files = sys.argv[2:]

# The options the CUDA backend compiles with (keep in sync with cuda/README.md, "Compiling").
OPTIONS = ["--std=c++17", "--fmad=false"]
# Spills and local memory show up as ptxas warnings, which the empty-log rule then rejects.
CHECK_OPTIONS = ["--ptxas-options=--warn-on-spills", "--ptxas-options=--warn-on-local-memory-usage"]

def load_nvrtc():
    candidates = [os.environ.get("NVRTC_LIBRARY"), "libnvrtc.so", "libnvrtc.so.12", "libnvrtc.so.11.2",
                  ctypes.util.find_library("nvrtc")]
    for name in candidates:
        if not name:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError:
            pass
    sys.exit("check-kernels: libnvrtc not found (install libnvrtc11.2 and libnvrtc-builtins11.8 from Debian "
             "non-free, or set NVRTC_LIBRARY)")

nvrtc = load_nvrtc()
nvrtc.nvrtcGetErrorString.restype = ctypes.c_char_p

def check(status, call):
    if status != 0:
        raise RuntimeError(f"{call}: {nvrtc.nvrtcGetErrorString(status).decode()}")

major, minor = ctypes.c_int(), ctypes.c_int()
check(nvrtc.nvrtcVersion(ctypes.byref(major), ctypes.byref(minor)), "nvrtcVersion")
count = ctypes.c_int()
check(nvrtc.nvrtcGetNumSupportedArchs(ctypes.byref(count)), "nvrtcGetNumSupportedArchs")
supported = (ctypes.c_int * count.value)()
check(nvrtc.nvrtcGetSupportedArchs(supported), "nvrtcGetSupportedArchs")
print(f"NVRTC {major.value}.{minor.value}; architectures sm_{min(supported)}..sm_{max(supported)}")
for arch in archs:
    if int(arch[3:]) not in list(supported):
        sys.exit(f"check-kernels: this NVRTC cannot compile for {arch}")

def compile_cubin(path, arch):
    source = open(path, "rb").read()
    program = ctypes.c_void_p()
    check(nvrtc.nvrtcCreateProgram(ctypes.byref(program), source, os.path.basename(path).encode(), 0, None, None),
          "nvrtcCreateProgram")
    try:
        # The headers beside the file (common.cuh) are included by name, as the backend hands them to NVRTC.
        options = [f"--gpu-architecture={arch}", f"--include-path={os.path.dirname(os.path.abspath(path))}"] + OPTIONS + CHECK_OPTIONS
        array = (ctypes.c_char_p * len(options))(*[o.encode() for o in options])
        status = nvrtc.nvrtcCompileProgram(program, len(options), array)
        size = ctypes.c_size_t()
        check(nvrtc.nvrtcGetProgramLogSize(program, ctypes.byref(size)), "nvrtcGetProgramLogSize")
        log = ctypes.create_string_buffer(size.value)
        check(nvrtc.nvrtcGetProgramLog(program, log), "nvrtcGetProgramLog")
        log = log.value.decode(errors="replace").strip()
        if status != 0:
            return None, log or nvrtc.nvrtcGetErrorString(status).decode()
        check(nvrtc.nvrtcGetCUBINSize(program, ctypes.byref(size)), "nvrtcGetCUBINSize")
        cubin = ctypes.create_string_buffer(size.value)
        check(nvrtc.nvrtcGetCUBIN(program, cubin), "nvrtcGetCUBIN")
        return cubin.raw, log
    finally:
        nvrtc.nvrtcDestroyProgram(ctypes.byref(program))

def kernels_in(cubin):
    """Names of the global function symbols of an ELF64 cubin: the kernels a module exports."""
    shoff, = struct.unpack_from("<Q", cubin, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", cubin, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", cubin, shoff + i * shentsize) for i in range(shnum)]
    names = set()
    for _, kind, _, _, offset, size, link, _, _, entsize in sections:
        if kind != 2:  # SHT_SYMTAB
            continue
        strings = sections[link][4]
        for k in range(size // entsize):
            name_at, info = struct.unpack_from("<IB", cubin, offset + k * entsize)
            if info >> 4 == 1 and info & 0xF == 2:  # STB_GLOBAL, STT_FUNC
                end = cubin.index(b"\0", strings + name_at)
                names.add(cubin[strings + name_at:end].decode())
    return names

def declared_kernels(path):
    """The kernels a file declares: its extern "C" __global__ functions (the rule DafL.SourceGen reads them by)."""
    text = open(path, encoding="utf-8").read()
    return set(re.findall(r'extern\s+"C"\s+__global__\s+void\s+(?:__launch_bounds__\([^)]*\)\s+)?(\w+)\s*\(', text))

failures = 0
for path in files:
    name = os.path.basename(path)
    for arch in archs:
        cubin, log = compile_cubin(path, arch)
        if cubin is None:
            print(f"FAIL {name} {arch}: does not compile\n{log}")
            failures += 1
            continue
        if log:
            print(f"FAIL {name} {arch}: warnings\n{log}")
            failures += 1
            continue
        found = kernels_in(cubin)
        expected = declared_kernels(path)
        if found != expected:
            print(f"FAIL {name} {arch}: the cubin's kernels differ from the file's extern \"C\" __global__ declarations; "
                  f"not declared: {sorted(found - expected)}; declared but absent: {sorted(expected - found)}")
            failures += 1
            continue
        print(f"ok   {name} {arch}: {len(found)} kernels, {len(cubin)} bytes of cubin")
print(f"{len(files) * len(archs) - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
PY

echo "== emulator tests"
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
g++ -std=c++17 -O1 -ffp-contract=off -Wall -Wextra -Werror -Wno-unknown-pragmas \
    -o "$build/kernel_tests" cuda/emulator/*.cpp
"$build/kernel_tests"
