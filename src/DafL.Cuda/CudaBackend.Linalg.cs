namespace DafL.Backends.Cuda;

/// <summary>
/// Matrix products through cuBLAS SGEMM on the compute stream (row-major operands mapped to column-major by
/// swapping them). FP32 unless <see cref="CudaBackendOptions.AllowTf32"/>.
/// </summary>
public sealed partial class CudaBackend
{
    public void MatMul(Tensor a, bool transA, Tensor b, bool transB, Tensor c, float alpha, float beta)
    {
        const string op = nameof(MatMul);
        if (a.Rank != 2 || b.Rank != 2 || c.Rank != 2)
            throw new ArgumentException($"{op}: expects 2-D tensors, got a {Tensor.ShapeString(a.Shape)}, b {Tensor.ShapeString(b.Shape)}, c {Tensor.ShapeString(c.Shape)}.");
        int m = transA ? a.Shape[1] : a.Shape[0], k = transA ? a.Shape[0] : a.Shape[1];
        int kb = transB ? b.Shape[1] : b.Shape[0], n = transB ? b.Shape[0] : b.Shape[1];
        if (k != kb || c.Shape[0] != m || c.Shape[1] != n)
            throw new ArgumentException(
                $"{op}: op(a) {m}×{k} (a {Tensor.ShapeString(a.Shape)}, transA={transA}) times op(b) {kb}×{n} " +
                $"(b {Tensor.ShapeString(b.Shape)}, transB={transB}) does not give c {Tensor.ShapeString(c.Shape)}.");
        var pa = Address(a, op);
        var pb = Address(b, op);
        var pc = Address(c, op);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            // An empty sum: c = beta·c (and with beta 0, c is not read: zeros even where it held NaN).
            if (beta == 0) Fill(c, 0f);
            else Affine(c, c, beta, 0f);
            return;
        }
        _cublas.MatMulRowMajor(transA, transB, m, n, k, alpha, pa, pb, beta, pc);
    }
}
