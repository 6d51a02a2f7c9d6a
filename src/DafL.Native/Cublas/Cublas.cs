namespace DafL.Native;

/// <summary>Whether cuBLAS (with its cuBLASLt) can be loaded; never throws.</summary>
public static class Cublas
{
    static readonly BoundLibrary<CublasApi> Library = new(CudaLibrary.Cublas, e => new CublasApi(e));

    /// <summary>True when the library loaded and exports what the bindings use (a device is a separate question: <see cref="Cuda.IsAvailable"/>).</summary>
    public static bool IsAvailable => Library.IsAvailable;

    /// <summary>Why cuBLAS cannot be used; empty when it can.</summary>
    public static string UnavailableReason => Library.UnavailableReason;

    internal static CublasApi Api => Library.Api;

    internal static CublasApi? LoadedApi => Library.IfLoaded;
}
