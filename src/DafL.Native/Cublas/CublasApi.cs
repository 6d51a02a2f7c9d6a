namespace DafL.Native;

/// <summary>
/// The cuBLAS functions the bindings use, resolved once from <c>libcublas.so.N</c>. Always the <c>_v2</c> exports
/// where <c>cublas_v2.h</c> maps to them: the library also exports the legacy <c>cublasSgemm</c> of <c>cublas.h</c>
/// (no handle, alpha by value), which has the same name as the v2 macro and another ABI.
/// <c>cublasSetMathMode</c> and <c>cublasSgemmStridedBatched</c> have no <c>_v2</c> (CUDA 11.8 <c>cublas_api.h</c>).
/// Enums are passed as int; alpha and beta are host pointers (the default CUBLAS_POINTER_MODE_HOST).
/// </summary>
sealed unsafe class CublasApi
{
    public readonly delegate* unmanaged<nint*, int> cublasCreate_v2;
    public readonly delegate* unmanaged<nint, int> cublasDestroy_v2;
    public readonly delegate* unmanaged<nint, int*, int> cublasGetVersion_v2;
    public readonly delegate* unmanaged<nint, nint, int> cublasSetStream_v2;
    public readonly delegate* unmanaged<nint, nint, nuint, int> cublasSetWorkspace_v2;
    public readonly delegate* unmanaged<nint, int, int> cublasSetMathMode;
    public readonly delegate* unmanaged<nint, int, int, int, int, int, float*, nint, int, nint, int, float*, nint, int, int> cublasSgemm_v2;
    public readonly delegate* unmanaged<nint, int, int, int, int, int, float*, nint, int, long, nint, int, long, float*, nint, int, long, int, int> cublasSgemmStridedBatched;
    /// <summary><c>const char* cublasGetStatusName(cublasStatus_t)</c>: 11.4 and later; null where absent.</summary>
    public readonly delegate* unmanaged<int, byte*> cublasGetStatusName;
    /// <summary><c>const char* cublasGetStatusString(cublasStatus_t)</c>: 11.4 and later; null where absent.</summary>
    public readonly delegate* unmanaged<int, byte*> cublasGetStatusString;

    public CublasApi(Exports e)
    {
        cublasCreate_v2 = (delegate* unmanaged<nint*, int>)e.Get("cublasCreate_v2");
        cublasDestroy_v2 = (delegate* unmanaged<nint, int>)e.Get("cublasDestroy_v2");
        cublasGetVersion_v2 = (delegate* unmanaged<nint, int*, int>)e.Get("cublasGetVersion_v2");
        cublasSetStream_v2 = (delegate* unmanaged<nint, nint, int>)e.Get("cublasSetStream_v2");
        cublasSetWorkspace_v2 = (delegate* unmanaged<nint, nint, nuint, int>)e.Get("cublasSetWorkspace_v2");
        cublasSetMathMode = (delegate* unmanaged<nint, int, int>)e.Get("cublasSetMathMode");
        cublasSgemm_v2 = (delegate* unmanaged<nint, int, int, int, int, int, float*, nint, int, nint, int, float*, nint, int, int>)e.Get("cublasSgemm_v2");
        cublasSgemmStridedBatched = (delegate* unmanaged<nint, int, int, int, int, int, float*, nint, int, long, nint, int, long, float*, nint, int, long, int, int>)e.Get("cublasSgemmStridedBatched");
        cublasGetStatusName = (delegate* unmanaged<int, byte*>)e.Find("cublasGetStatusName");
        cublasGetStatusString = (delegate* unmanaged<int, byte*>)e.Find("cublasGetStatusString");
    }
}
