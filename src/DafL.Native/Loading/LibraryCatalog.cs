namespace DafL.Native;

/// <summary>
/// Where each library may be found: the environment variable that names it explicitly, its file names (newest
/// major version first, only versioned names: wheels and driver-only installs ship no unversioned <c>.so</c>), and
/// the folders inside <c>site-packages</c> where NVIDIA's Python wheels put it (CUDA 13 wheels put every toolkit
/// library in <c>nvidia/cu13/lib</c>; CUDA 12 wheels used one folder per component; cuDNN keeps its own).
/// </summary>
static class LibraryCatalog
{
    /// <summary>The name used in messages.</summary>
    public static string DisplayName(CudaLibrary library) => library switch
    {
        CudaLibrary.Driver => "CUDA driver",
        CudaLibrary.CublasLt => "cuBLASLt",
        CudaLibrary.Cublas => "cuBLAS",
        CudaLibrary.NvrtcBuiltins => "nvrtc-builtins",
        CudaLibrary.Nvrtc => "NVRTC",
        CudaLibrary.Cudnn => "cuDNN",
        _ => throw new ArgumentOutOfRangeException(nameof(library), library, null),
    };

    /// <summary>The environment variable that, when set, must name the library file itself.</summary>
    public static string EnvironmentVariable(CudaLibrary library) => library switch
    {
        CudaLibrary.Driver => "DAFL_CUDA_DRIVER",
        CudaLibrary.CublasLt => "DAFL_CUBLASLT",
        CudaLibrary.Cublas => "DAFL_CUBLAS",
        CudaLibrary.NvrtcBuiltins => "DAFL_NVRTC_BUILTINS",
        CudaLibrary.Nvrtc => "DAFL_NVRTC",
        CudaLibrary.Cudnn => "DAFL_CUDNN",
        _ => throw new ArgumentOutOfRangeException(nameof(library), library, null),
    };

    /// <summary>
    /// File names to look for, best first. cuBLASLt and nvrtc-builtins are not listed: they are looked for beside
    /// the cuBLAS and NVRTC that were found, with the same major version (<see cref="CompanionFilePrefix"/>).
    /// NVRTC 11.x keeps the soname <c>libnvrtc.so.11.2</c> for every 11.x release (Debian's CUDA 11.8 package too).
    /// </summary>
    public static IReadOnlyList<string> FileNames(CudaLibrary library) => library switch
    {
        CudaLibrary.Driver => ["libcuda.so.1"],
        CudaLibrary.Cublas => ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11"],
        CudaLibrary.Nvrtc => ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2"],
        CudaLibrary.Cudnn => ["libcudnn.so.9"],
        _ => throw new ArgumentOutOfRangeException(nameof(library), library, "found beside its parent library"),
    };

    /// <summary>Folders under a <c>site-packages</c> directory where NVIDIA's wheels install the library.</summary>
    public static IReadOnlyList<string> WheelFolders(CudaLibrary library) => library switch
    {
        CudaLibrary.Driver => [], // the driver comes with the kernel module, never from a wheel
        CudaLibrary.CublasLt or CudaLibrary.Cublas => ["nvidia/cu13/lib", "nvidia/cublas/lib"],
        CudaLibrary.NvrtcBuiltins or CudaLibrary.Nvrtc => ["nvidia/cu13/lib", "nvidia/cuda_nvrtc/lib"],
        CudaLibrary.Cudnn => ["nvidia/cudnn/lib"],
        _ => throw new ArgumentOutOfRangeException(nameof(library), library, null),
    };

    /// <summary>The library a companion is found beside: cuBLASLt beside cuBLAS, nvrtc-builtins beside NVRTC.</summary>
    public static CudaLibrary? ParentOf(CudaLibrary library) => library switch
    {
        CudaLibrary.CublasLt => CudaLibrary.Cublas,
        CudaLibrary.NvrtcBuiltins => CudaLibrary.Nvrtc,
        _ => null,
    };

    /// <summary>
    /// The file-name prefix of a companion whose parent has major version <paramref name="major"/>:
    /// <c>libcublasLt.so.13</c> (exact name) for cuBLAS 13, <c>libnvrtc-builtins.so.13.</c> (any minor) for NVRTC 13.
    /// The <c>.alt</c> variants in the CUDA 13 wheels do not match either.
    /// </summary>
    public static string CompanionFilePrefix(CudaLibrary companion, string major) => companion switch
    {
        CudaLibrary.CublasLt => $"libcublasLt.so.{major}",
        CudaLibrary.NvrtcBuiltins => $"libnvrtc-builtins.so.{major}.",
        _ => throw new ArgumentOutOfRangeException(nameof(companion), companion, "not a companion library"),
    };

    /// <summary>
    /// The major version in a versioned file name: <c>libcublas.so.13</c> → 13, <c>libnvrtc.so.11.2</c> → 11;
    /// null for a name without one (a file named by an environment variable may be called anything).
    /// </summary>
    public static string? MajorVersion(string fileName)
    {
        int so = fileName.IndexOf(".so.", StringComparison.Ordinal);
        if (so < 0) return null;
        string version = fileName[(so + 4)..];
        int dot = version.IndexOf('.');
        string major = dot < 0 ? version : version[..dot];
        return major.Length > 0 && major.All(char.IsAsciiDigit) ? major : null;
    }
}
