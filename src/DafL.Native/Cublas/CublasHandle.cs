namespace DafL.Native;

/// <summary>
/// A cuBLAS handle, bound to the context it was created in (cuBLAS works on the current context: each call makes
/// it current first). Column-major calls mirror the C API; the row-major helpers swap operands
/// (<see cref="ColumnMajorGemm"/>) so that callers holding row-major tensors never think about it.
/// </summary>
public sealed unsafe class CublasHandle : LibraryHandle
{
    CublasHandle(CudaContext context, nint handle) : base(context, handle) { }

    /// <summary>Creates a handle in <paramref name="context"/> (this allocates a little device memory).</summary>
    public static CublasHandle Create(CudaContext context)
    {
        var api = Cublas.Api;
        context.MakeCurrent();
        nint handle;
        CublasStatus.Check(api.cublasCreate_v2(&handle));
        return new CublasHandle(context, handle);
    }

    /// <summary>cuBLAS's version as 10000·major + 100·minor + patch.</summary>
    public int Version
    {
        get
        {
            Enter();
            int version;
            CublasStatus.Check(Cublas.Api.cublasGetVersion_v2(Handle, &version));
            return version;
        }
    }

    /// <summary>Queues later calls on <paramref name="stream"/>.</summary>
    public void SetStream(CudaStream stream)
    {
        Enter();
        CublasStatus.Check(Cublas.Api.cublasSetStream_v2(Handle, stream.Handle));
    }

    /// <summary>Chooses FP32 or TF32 tensor-core arithmetic for Sgemm.</summary>
    public void SetMathMode(CublasMathMode mode)
    {
        Enter();
        CublasStatus.Check(Cublas.Api.cublasSetMathMode(Handle, (int)mode));
    }

    /// <summary>
    /// Gives cuBLAS a workspace of its own, so that it allocates nothing while a stream is captured into a graph.
    /// The memory must outlive the handle's use of it.
    /// </summary>
    public void SetWorkspace(DevicePointer workspace, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Enter();
        CublasStatus.Check(Cublas.Api.cublasSetWorkspace_v2(Handle, workspace.Native, (nuint)bytes));
    }

    /// <summary>Column-major C (m×n) = α·op(A)·op(B) + β·C, exactly the C API's <c>cublasSgemm_v2</c>.</summary>
    public void Sgemm(CublasOperation transA, CublasOperation transB, int m, int n, int k,
        float alpha, DevicePointer a, int lda, DevicePointer b, int ldb, float beta, DevicePointer c, int ldc)
    {
        Enter();
        CublasStatus.Check(Cublas.Api.cublasSgemm_v2(Handle, (int)transA, (int)transB, m, n, k,
            &alpha, a.Native, lda, b.Native, ldb, &beta, c.Native, ldc));
    }

    /// <summary>Column-major batched Sgemm: matrix i of each operand starts stride·i floats after the first.</summary>
    public void SgemmStridedBatched(CublasOperation transA, CublasOperation transB, int m, int n, int k,
        float alpha, DevicePointer a, int lda, long strideA, DevicePointer b, int ldb, long strideB,
        float beta, DevicePointer c, int ldc, long strideC, int batchCount)
    {
        Enter();
        CublasStatus.Check(Cublas.Api.cublasSgemmStridedBatched(Handle, (int)transA, (int)transB, m, n, k,
            &alpha, a.Native, lda, strideA, b.Native, ldb, strideB, &beta, c.Native, ldc, strideC, batchCount));
    }

    /// <summary>
    /// Row-major, contiguous C (m×n) = α·op(X)·op(Y) + β·C; X is stored m×k (k×m when transposed), Y k×n (n×k).
    /// </summary>
    public void MatMulRowMajor(bool transposeX, bool transposeY, int m, int n, int k,
        float alpha, DevicePointer x, DevicePointer y, float beta, DevicePointer c)
    {
        var g = ColumnMajorGemm.ForRowMajor(transposeX, transposeY, m, n, k);
        Sgemm(g.TransA, g.TransB, g.M, g.N, g.K, alpha, y, g.Lda, x, g.Ldb, beta, c, g.Ldc);
    }

    /// <summary>
    /// <see cref="MatMulRowMajor"/> over a batch: product i uses X + i·strideX, Y + i·strideY, C + i·strideC (floats).
    /// </summary>
    public void MatMulRowMajorBatched(bool transposeX, bool transposeY, int m, int n, int k,
        float alpha, DevicePointer x, long strideX, DevicePointer y, long strideY,
        float beta, DevicePointer c, long strideC, int batchCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchCount);
        var g = ColumnMajorGemm.ForRowMajor(transposeX, transposeY, m, n, k);
        SgemmStridedBatched(g.TransA, g.TransB, g.M, g.N, g.K, alpha, y, g.Lda, strideY, x, g.Ldb, strideX,
            beta, c, g.Ldc, strideC, batchCount);
    }

    private protected override void Destroy() => CublasStatus.Check(Cublas.Api.cublasDestroy_v2(Handle));
}
