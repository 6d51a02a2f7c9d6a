namespace DafL.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void MatMul(Tensor a, bool transA, Tensor b, bool transB, Tensor c, float alpha, float beta)
    {
        int m = transA ? a.Shape[1] : a.Shape[0], k = transA ? a.Shape[0] : a.Shape[1];
        int kb = transB ? b.Shape[1] : b.Shape[0], n = transB ? b.Shape[0] : b.Shape[1];
        if (k != kb || c.Shape[0] != m || c.Shape[1] != n)
            throw new ArgumentException(
                $"MatMul: op(a) {m}×{k} (a {Tensor.ShapeString(a.Shape)}, transA={transA}) times op(b) {kb}×{n} " +
                $"(b {Tensor.ShapeString(b.Shape)}, transB={transB}) does not give c {Tensor.ShapeString(c.Shape)}.");
        // Row strides as stored; at least 1 so that an empty matrix passes the GEMM's stride checks.
        Gemm.Sgemm(transA, transB, m, n, k, alpha, a.Ptr, Math.Max(1, a.Shape[1]), b.Ptr, Math.Max(1, b.Shape[1]),
            beta, c.Ptr, Math.Max(1, n), parallel: true);
    }
}
