using System.Runtime.CompilerServices;

namespace DafL.Native;

/// <summary>cublasStatus_t: checking, and names (the library's own when loaded, else CUDA 11.8's <c>cublas_api.h</c>).</summary>
static unsafe class CublasStatus
{
    public const int Success = 0;

    static readonly Dictionary<int, string> HeaderNames = new()
    {
        [0] = "CUBLAS_STATUS_SUCCESS",
        [1] = "CUBLAS_STATUS_NOT_INITIALIZED",
        [3] = "CUBLAS_STATUS_ALLOC_FAILED",
        [7] = "CUBLAS_STATUS_INVALID_VALUE",
        [8] = "CUBLAS_STATUS_ARCH_MISMATCH",
        [11] = "CUBLAS_STATUS_MAPPING_ERROR",
        [13] = "CUBLAS_STATUS_EXECUTION_FAILED",
        [14] = "CUBLAS_STATUS_INTERNAL_ERROR",
        [15] = "CUBLAS_STATUS_NOT_SUPPORTED",
        [16] = "CUBLAS_STATUS_LICENSE_ERROR",
    };

    /// <summary>Throws a <see cref="CudaException"/> naming the call unless <paramref name="status"/> is CUBLAS_STATUS_SUCCESS.</summary>
    public static void Check(int status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != Success) throw Error(status, call);
    }

    /// <summary>The exception for a failed cuBLAS call.</summary>
    public static CudaException Error(int status, string call)
    {
        string? nativeName = null, description = null;
        if (Cublas.LoadedApi is { } api)
        {
            if (api.cublasGetStatusName is not null) nativeName = NativeText.Utf8(api.cublasGetStatusName(status));
            if (api.cublasGetStatusString is not null) description = NativeText.Utf8(api.cublasGetStatusString(status));
        }
        return new CudaException(CudaLibrary.Cublas, status, StatusText.Name(status, nativeName, HeaderNames, "unknown cublasStatus_t"), description, call);
    }
}
