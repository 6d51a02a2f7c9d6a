namespace DafL.Native;

/// <summary>
/// The NVIDIA libraries these bindings load, in preload order: cuBLASLt before cuBLAS (so that cuBLAS does not pick
/// up a mismatched system cuBLASLt through its RUNPATH), nvrtc-builtins before NVRTC (NVRTC dlopens it by soname),
/// and all four before cuDNN (cuDNN 9 needs cuBLASLt, and its runtime-compiled engines need NVRTC).
/// The driver has no dependencies among them.
/// </summary>
public enum CudaLibrary
{
    /// <summary>The CUDA driver API, <c>libcuda.so.1</c>.</summary>
    Driver,
    /// <summary><c>libcublasLt.so.N</c>, loaded only as cuBLAS's dependency.</summary>
    CublasLt,
    /// <summary><c>libcublas.so.N</c>.</summary>
    Cublas,
    /// <summary><c>libnvrtc-builtins.so.N.M</c>, loaded only as NVRTC's dependency.</summary>
    NvrtcBuiltins,
    /// <summary><c>libnvrtc.so.N</c>.</summary>
    Nvrtc,
    /// <summary><c>libcudnn.so.9</c>.</summary>
    Cudnn,
}
