using DafL.Autograd;

namespace DafL.Ops;

/// <summary>
/// DAFL's generator losses on the teacher's outputs (Chen et al., ICCV 2019; reference/dafl-facts.md §2.4 for the
/// official code, §2.5 for the paper). Each is one fused kernel forward and one backward.
/// </summary>
public static partial class Functional
{
    /// <summary>
    /// The information-entropy loss L_ie = c · Σₖ p̄ₖ·log_b p̄ₖ, where p̄ = (1/N) Σᵢ softmax(logitsᵢ) is the batch-mean
    /// class distribution of logits (N, K), c = 1/K when <paramref name="divideByK"/> and 1 otherwise, and 0·log 0 = 0.
    /// It is minus the entropy of p̄, so minimising it pushes the generator towards batches whose predicted classes
    /// are balanced; its minimum is −c·log_b K, at p̄ uniform.
    /// Official code (the defaults): <c>(softmax_o_T * torch.log10(softmax_o_T)).sum()</c>, i.e. log₁₀ and no 1/K.
    /// Paper: L_ie = −H_info(p̄) with H_info(p) = −(1/k) Σ pᵢ ln pᵢ, i.e. <see cref="EntropyLog.Ln"/> and divideByK.
    /// The gradient flows to the logits through p̄ and each row's softmax.
    /// </summary>
    public static Tensor InformationEntropyLoss(Tensor logits, EntropyLog logBase = EntropyLog.Log10, bool divideByK = false)
    {
        const string op = "information_entropy_loss";
        CheckRank(op, logits, 2, "logits (N, K)");
        if (logits.Shape[0] == 0 || logits.Shape[1] == 0)
            throw new ArgumentException($"{op}: logits {Tensor.ShapeString(logits.Shape)} must have at least one row and one class.");
        // c · log_b p = (c / ln b) · ln p: the kernel works in ln and takes the whole factor.
        double lnBase = logBase switch
        {
            EntropyLog.Log10 => Math.Log(10),
            EntropyLog.Ln => 1,
            _ => throw new ArgumentOutOfRangeException(nameof(logBase), logBase, $"{op}: unknown log base."),
        };
        float scale = (float)((divideByK ? 1.0 / logits.Shape[1] : 1.0) / lnBase);
        var loss = Tensor.Empty([], logits.Device);
        using (var xc = logits.ContiguousNoGrad()) logits.Backend.InformationEntropy(xc, loss, scale);
        return Graph.Record(op, loss, [logits], gy =>
        {
            var gx = Tensor.Empty(logits.Shape, logits.Device);
            using var xc = logits.ContiguousNoGrad();
            logits.Backend.InformationEntropyBackward(xc, gy, gx, scale);
            return [gx];
        });
    }

    /// <summary>
    /// The activation loss L_a on the teacher's features (N, D), the input of its last linear layer: large activations
    /// mark images the teacher recognises, so the generator is rewarded for them.
    /// <see cref="ActivationNorm.Mean"/> (official code, the default): −mean |f| = −(1/(N·D)) Σ |f|.
    /// <see cref="ActivationNorm.L1"/> (paper): −(1/N) Σᵢ ‖fᵢ‖₁. The gradient is −sign(f) over the same divisor.
    /// </summary>
    public static Tensor ActivationLoss(Tensor features, ActivationNorm norm = ActivationNorm.Mean)
    {
        const string op = "activation_loss";
        CheckRank(op, features, 2, "features (N, D)");
        if (features.Shape[0] == 0)
            throw new ArgumentException($"{op}: features {Tensor.ShapeString(features.Shape)} have no rows.");
        float scale = norm switch
        {
            ActivationNorm.Mean => -1f / features.Numel,
            ActivationNorm.L1 => -1f / features.Shape[0],
            _ => throw new ArgumentOutOfRangeException(nameof(norm), norm, $"{op}: unknown norm."),
        };
        var loss = Tensor.Empty([], features.Device);
        using (var fc = features.ContiguousNoGrad()) features.Backend.AbsSum(fc, loss, scale);
        return Graph.Record(op, loss, [features], gy =>
        {
            var gx = Tensor.Empty(features.Shape, features.Device);
            using var fc = features.ContiguousNoGrad();
            features.Backend.AbsSumBackward(fc, gy, gx, scale);
            return [gx];
        });
    }
}
