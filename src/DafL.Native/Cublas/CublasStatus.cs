using System.Runtime.CompilerServices;

namespace DafL.Native;

/// <summary>cublasStatus_t: checking, and names (the library's own when loaded, else CUDA 11.8's <c>cublas_api.h</c>).</summary>
static unsafe class CublasStatus
{
    public const int Success = 0;

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
        return new CudaException(CudaLibrary.Cublas, status, StatusText.Name(CudaLibrary.Cublas, status, nativeName), description, call);
    }
}
