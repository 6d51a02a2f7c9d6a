namespace DafL.Native;

/// <summary>
/// The arguments of a column-major cuBLAS GEMM, C = op(A)·op(B) with C m×n, that computes a row-major product.
/// A row-major matrix read column-major is its transpose, so row-major C = op(X)·op(Y) is column-major
/// Cᵀ = op(Y)ᵀ·op(X)ᵀ: cuBLAS's A is our Y, its B our X, m and n swap, and the transpose flags stay with their
/// operands. Leading dimensions are the row-major row lengths of the contiguous stored matrices.
/// </summary>
public readonly record struct ColumnMajorGemm(CublasOperation TransA, CublasOperation TransB, int M, int N, int K, int Lda, int Ldb, int Ldc)
{
    /// <summary>
    /// The call for row-major, contiguous C (m×n) = op(X)·op(Y), where X is stored m×k (k×m when
    /// <paramref name="transposeX"/>) and Y is stored k×n (n×k when <paramref name="transposeY"/>).
    /// The returned call's A operand is Y and its B operand is X.
    /// </summary>
    public static ColumnMajorGemm ForRowMajor(bool transposeX, bool transposeY, int m, int n, int k)
    {
        if (m <= 0 || n <= 0 || k <= 0)
            throw new ArgumentException($"Row-major GEMM: m = {m}, n = {n}, k = {k} must all be positive.");
        return new ColumnMajorGemm(
            TransA: transposeY ? CublasOperation.Transpose : CublasOperation.None,
            TransB: transposeX ? CublasOperation.Transpose : CublasOperation.None,
            M: n, N: m, K: k,
            Lda: transposeY ? k : n,
            Ldb: transposeX ? m : k,
            Ldc: n);
    }
}
