namespace DafL.Ops;

/// <summary>
/// The logarithm of DAFL's information-entropy loss (<see cref="Functional.InformationEntropyLoss"/>).
/// The official code (huawei-noah DAFL, <c>DAFL-train.py</c>) uses <c>torch.log10</c>; the paper (Eq. for L_ie) uses
/// the natural log. The author calls the difference a scale absorbed by the loss weight (issue #12), and it is
/// exactly one: log₁₀ p = ln p / ln 10. The official loss weights (ie = 5, 20) were tuned with log10.
/// See reference/dafl-facts.md §2.4 and §2.5.
/// </summary>
public enum EntropyLog
{
    /// <summary>log₁₀, as the official code (the default, since it produced the published numbers).</summary>
    Log10,
    /// <summary>The natural logarithm, as the paper.</summary>
    Ln,
}

/// <summary>
/// The norm of DAFL's activation loss (<see cref="Functional.ActivationLoss"/>) on the teacher's features (N, D).
/// The official code computes <c>-features_T.abs().mean()</c>, a mean over the batch and the feature dimensions;
/// the paper writes L_a = −(1/n) Σᵢ ‖fᵢ‖₁, a sum over features averaged over the batch, which is D times larger.
/// The official weights (a = 0.1, 0.01) were tuned with the mean. See reference/dafl-facts.md §2.4 and §2.5.
/// </summary>
public enum ActivationNorm
{
    /// <summary>−mean |f| over all N·D elements, as the official code (the default).</summary>
    Mean,
    /// <summary>−(1/N) Σᵢ ‖fᵢ‖₁, as the paper.</summary>
    L1,
}
