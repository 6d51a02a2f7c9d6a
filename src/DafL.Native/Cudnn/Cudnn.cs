namespace DafL.Native;

/// <summary>Whether cuDNN 9 can be loaded (after cuBLASLt, cuBLAS and NVRTC, which it needs); never throws.</summary>
public static unsafe class Cudnn
{
    /// <summary>The first cuDNN whose status numbers and legacy API match these bindings (9.0.0 = 90000).</summary>
    const int MinimumVersion = 90000;

    static readonly BoundLibrary<CudnnApi> Library = new(CudaLibrary.Cudnn, Bind);

    /// <summary>True when cuDNN 9 loaded and exports what the bindings use (a device is <see cref="Cuda.IsAvailable"/>'s question).</summary>
    public static bool IsAvailable => Library.IsAvailable;

    /// <summary>Why cuDNN cannot be used; empty when it can.</summary>
    public static string UnavailableReason => Library.UnavailableReason;

    /// <summary>cudnnGetVersion(): 10000·major + 100·minor + patch since cuDNN 9 (91000 for 9.10.0).</summary>
    public static int Version => (int)Api.cudnnGetVersion();

    internal static CudnnApi Api => Library.Api;

    internal static CudnnApi? LoadedApi => Library.IfLoaded;

    static CudnnApi Bind(Exports exports)
    {
        var api = new CudnnApi(exports);
        int version = (int)api.cudnnGetVersion();
        if (version < MinimumVersion)
            throw new NotSupportedException($"cuDNN reports version {version}; these bindings need cuDNN 9 (its status codes and library layout differ from cuDNN 8's).");
        return api;
    }
}
