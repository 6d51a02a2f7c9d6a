namespace DafL.Backends;

public partial interface IBackend
{
    /// <summary>
    /// c (M, N) = alpha · op(a) · op(b) + beta · c, where op transposes a stored matrix when its flag is set:
    /// a is stored (M, K), or (K, M) with <paramref name="transA"/>; b is stored (K, N), or (N, K) with
    /// <paramref name="transB"/>. All three are contiguous 2-D tensors. With beta 0, c is not read.
    /// </summary>
    void MatMul(Tensor a, bool transA, Tensor b, bool transB, [Output] Tensor c, float alpha, float beta);
}
