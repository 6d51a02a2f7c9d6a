namespace DafL.Backends;

/// <summary>Fused kernels for DAFL's generator losses (see Ops/Functional.Dafl.cs for the formulas and their sources).</summary>
public partial interface IBackend
{
    /// <summary>
    /// loss (a scalar) = scale · Σₖ p̄ₖ·ln p̄ₖ, where p̄ = the mean over rows of softmax(logits (N, K)) and 0·ln 0 = 0.
    /// The op folds the log base and the optional 1/K into <paramref name="scale"/>.
    /// </summary>
    void InformationEntropy(Tensor logits, [Output] Tensor loss, float scale);

    /// <summary>gLogits[i, j] = gLoss · pᵢⱼ·(gⱼ − Σₖ pᵢₖ·gₖ) / N with gₖ = scale·ln p̄ₖ (0 where p̄ₖ = 0).</summary>
    void InformationEntropyBackward(Tensor logits, Tensor gLoss, [Output] Tensor gLogits, float scale);

    /// <summary>loss (a scalar) = scale · Σ |x| over all elements.</summary>
    void AbsSum(Tensor x, [Output] Tensor loss, float scale);

    /// <summary>gx = gLoss · scale · sign(x) (0 at x = 0).</summary>
    void AbsSumBackward(Tensor x, Tensor gLoss, [Output] Tensor gx, float scale);
}
