namespace DafL.Backends;

public partial interface IBackend
{
    /// <summary>
    /// One fused torch.optim.SGD update in a single pass (param, grad, buffer contiguous, same shape), with
    /// PyTorch's operations and roundings (fma where PyTorch's <c>add(alpha=)</c> uses one):
    /// d = grad + λ·param (when λ ≠ 0); with momentum, buf = d on the first step, else buf = μ·buf + (1 − dampening)·d,
    /// and d = nesterov ? d + μ·buf : buf; then param += −lr·d. Without momentum <paramref name="momentumBuffer"/> is null.
    /// </summary>
    void SgdStep([Output] Tensor param, Tensor grad, [Output] Tensor? momentumBuffer, SgdScalars s, bool firstStep);

    /// <summary>
    /// One fused torch.optim.Adam update (L2 weight decay, no amsgrad) in a single pass, with PyTorch's operations and
    /// roundings: g = grad + λ·param (when λ ≠ 0); m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g·g;
    /// param += (−step size)·m / (√v / √(1 − β2ᵗ) + ε).
    /// </summary>
    void AdamStep([Output] Tensor param, Tensor grad, [Output] Tensor expAvg, [Output] Tensor expAvgSq, AdamScalars s);

    /// <summary>
    /// <see cref="AdamStep"/> on every tensor of a parameter group in one call (PyTorch's multi-tensor Adam): entry i
    /// updates <paramref name="param"/>[i] from <paramref name="grad"/>[i] with <paramref name="scalars"/>[i] (steps may
    /// differ per parameter). Each element takes exactly AdamStep's operations, so the result equals one AdamStep per
    /// tensor bit for bit; the arrays have one length and are only read (the caller may reuse them).
    /// </summary>
    void AdamStepMulti([Output] Tensor[] param, Tensor[] grad, [Output] Tensor[] expAvg, [Output] Tensor[] expAvgSq, AdamScalars[] scalars);
}
