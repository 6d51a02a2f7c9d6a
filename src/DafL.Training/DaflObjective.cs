using DafL.Ops;
using static DafL.Ops.Functional;

namespace DafL.Training;

/// <summary>The generator's three DAFL losses and the student's KD loss for one batch, with their weighted sum.</summary>
public sealed record DaflLosses(Tensor Total, Tensor OneHot, Tensor InformationEntropy, Tensor Activation, Tensor Kd);

/// <summary>
/// DAFL's objective (Chen et al. 2019, as the official code computes it; ../shared/DESIGN.md §1):
/// <code>
/// t = argmax yT                 L_oh = CE(yT, t)
/// p̄ = mean_batch softmax(yT)    L_ie = Σ p̄ log10 p̄          (paper: (1/k) Σ p̄ ln p̄)
///                               L_a  = −mean |fT|            (paper: −(1/n) Σ ‖fT‖₁)
/// L_kd = KL(softmax yT ‖ softmax yS) summed / B, on the detached generated images
/// total = oh·L_oh + ie·L_ie + a·L_a + L_kd
/// </code>
/// The generator gets gradients only from the first three terms (through the frozen teacher), the student only
/// from L_kd (its input and the teacher's logits are detached), so one backward serves both optimizers.
/// </summary>
public static class DaflObjective
{
    /// <remarks>Call inside a <see cref="TensorScope"/>: the graph's intermediates must live until backward.</remarks>
    /// <param name="teacherLogits">yT (B, K), from the generated images, still attached to the generator.</param>
    /// <param name="teacherFeatures">fT (B, D): the input of the teacher's last linear layer.</param>
    /// <param name="studentLogits">yS (B, K), from the detached generated images.</param>
    public static DaflLosses Compute(Tensor teacherLogits, Tensor teacherFeatures, Tensor studentLogits, DistillConfig config)
    {
        var frozenLogits = teacherLogits.Detach();
        var pseudoLabels = Argmax(frozenLogits, 1);
        var oneHot = CrossEntropy(teacherLogits, pseudoLabels);
        var entropy = config.Entropy == LossVariant.Official
            ? InformationEntropyLoss(teacherLogits, EntropyLog.Log10, divideByK: false)
            : InformationEntropyLoss(teacherLogits, EntropyLog.Ln, divideByK: true);
        var activation = ActivationLoss(teacherFeatures, config.Activation == LossVariant.Official ? ActivationNorm.Mean : ActivationNorm.L1);
        var kd = KdLoss(studentLogits, frozenLogits);

        var ohTerm = Scale(oneHot, config.Oh);
        var ieTerm = Scale(entropy, config.Ie);
        var aTerm = Scale(activation, config.A);
        var generatorLoss = ohTerm + ieTerm + aTerm;
        var total = generatorLoss + kd;
        return new DaflLosses(total, oneHot, entropy, activation, kd);
    }
}
