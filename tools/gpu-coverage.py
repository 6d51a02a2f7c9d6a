#!/usr/bin/env python3
"""Writes docs/GPU.md's table of what was verified where: every binding call (the functions src/DafL.Native resolves)
and every kernel of cuda/*.cu, with three columns: verified on a real GPU, verified on the mock only, not verified.

  python3 tools/gpu-coverage.py TRACE [--gpu GPU_TRACE]

TRACE: the file a run of the suite on the mock GPU wrote with DAFL_MOCK_TRACE=TRACE (the mock appends the name of
each exported function, and "kernel <name>" for each kernel, the first time a process calls it):
  dotnet pwsh build.ps1 mockgpu && . .mockgpu/env.sh && DAFL_MOCK_TRACE=/tmp/trace.txt dotnet pwsh build.ps1 test
GPU_TRACE (optional): the same list from a real GPU, one name a line (no GPU has been lent yet, so none exists).
NVRTC is the real library on every machine (it needs no GPU), so its calls are marked by that, not by the mock.
"""
import argparse
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Calls bound only as the fallback of a newer export (DriverApi.cs: cuEventElapsedTime_v2, else cuEventElapsedTime).
FALLBACKS = {"cuEventElapsedTime": "cuEventElapsedTime_v2"}
APIS = [("CUDA driver", "src/DafL.Native/Driver/DriverApi.cs"), ("cuBLAS", "src/DafL.Native/Cublas/CublasApi.cs"),
        ("cuDNN", "src/DafL.Native/Cudnn/CudnnApi.cs"), ("NVRTC", "src/DafL.Native/Nvrtc/NvrtcApi.cs")]


# The cuDNN convolution directions bind their four functions each from one name pattern ("cudnnConvolution{direction}").
DIRECTION_PATTERNS = re.findall(r'= \$"(cudnn\w*\{direction\}\w*)"',
                                (ROOT / "src/DafL.Native/Cudnn/ConvolutionEntryPoints.cs").read_text())


def bound(path):
    """Exported names a function table resolves, in source order (e.Get required, e.Find optional, and each
    direction's functions where a table creates ConvolutionEntryPoints)."""
    text = (ROOT / path).read_text()
    text = re.sub(r'new ConvolutionEntryPoints\(e, "(\w+)"',
                  lambda m: " ".join(f'e.Get("{p.replace("{direction}", m.group(1))}")' for p in DIRECTION_PATTERNS), text)
    return list(dict.fromkeys(re.findall(r'e\.(?:Get|Find)\("(\w+)"\)', text)))


def kernels():
    names = []
    for cu in sorted((ROOT / "cuda").glob("*.cu")):
        names += [(cu.name, k) for k in re.findall(r'extern "C" __global__ void (?:__launch_bounds__\([^)]*\) )?(\w+)\(', cu.read_text())]
    return names


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("trace")
    parser.add_argument("--gpu")
    args = parser.parse_args()
    mock = set(pathlib.Path(args.trace).read_text().split("\n"))
    gpu = set(pathlib.Path(args.gpu).read_text().split("\n")) if args.gpu else set()
    print("| library | call | real GPU | mock only | not verified |")
    print("|---|---|---|---|---|")
    counts = {"gpu": 0, "mock": 0, "none": 0}

    def row(library, name, key):
        on_gpu = key in gpu
        on_mock = key in mock and not on_gpu
        where = "gpu" if on_gpu else "mock" if on_mock else "none"
        counts[where] += 1
        if library == "NVRTC" and not on_gpu:
            print(f"| {library} | `{name}` | | | runs here, NVRTC 11.8 without a GPU (its output loads on the mock) |")
            return
        why = "no test calls it"
        if name in FALLBACKS and FALLBACKS[name] in mock:
            why = f"the fallback where `{FALLBACKS[name]}` is not exported (the mock exports it)"
        print(f"| {library} | `{name}` | {'yes' if on_gpu else ''} | {'yes' if on_mock else ''} | {'' if on_gpu or on_mock else why} |")

    for library, path in APIS:
        for name in bound(path):
            row(library, name, name)
    for file, name in kernels():
        row(f"kernel ({file})", name, f"kernel {name}")
    print()
    print(f"{counts['gpu']} verified on a real GPU, {counts['mock']} on the mock only, {counts['none']} not verified "
          f"(NVRTC's calls among them run here on the real NVRTC).")


if __name__ == "__main__":
    main()
