using DafL.Ops;
using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests.Golden;

/// <summary>
/// DAFL's information-entropy and activation losses, official and paper variants, against the PyTorch expressions of
/// the official code and the paper (Fixtures/dafl.bin; reference/dafl-facts.md §2.4, §2.5).
/// </summary>
public class DaflGoldenTests() : GoldenTest("dafl")
{
    /// <summary>Ours is one fused kernel; PyTorch composes softmax, mean, log and sum, each rounding to float32.</summary>
    static readonly Tolerance Fused = new(1e-6, 2e-6, "fused kernel against a chain of float32 PyTorch ops: exp/log ulps and summation order");

    [Test]
    public void InformationEntropyOfficialMatchesPyTorch() =>
        CheckOp("ie_official", ["x"], i => InformationEntropyLoss(i[0], EntropyLog.Log10, divideByK: false), Fused,
            new(1e-7, 1e-5, "a gradient through p̄, log p̄ and each row's softmax, composed differently"));

    [Test]
    public void InformationEntropyPaperMatchesPyTorch() =>
        CheckOp("ie_paper", ["x"], i => InformationEntropyLoss(i[0], EntropyLog.Ln, divideByK: true), Fused,
            new(1e-7, 1e-5, "a gradient through p̄, log p̄ and each row's softmax, composed differently"));

    [Test]
    public void ActivationLossOfficialMatchesPyTorch() =>
        CheckOp("act_official", ["f"], i => ActivationLoss(i[0], ActivationNorm.Mean),
            new(0, 1e-6, "a sum of |f| in a different order (ours float64)"),
            new(0, 2.4e-7, "−sign(f)·gout/(N·D): PyTorch divides, we may multiply by a rounded reciprocal (2 ulp)"));

    [Test]
    public void ActivationLossPaperMatchesPyTorch() =>
        CheckOp("act_paper", ["f"], i => ActivationLoss(i[0], ActivationNorm.L1),
            new(0, 1e-6, "a sum of |f| in a different order (ours float64)"),
            new(0, 2.4e-7, "−sign(f)·gout/N: PyTorch divides, we may multiply by a rounded reciprocal (2 ulp)"));
}
