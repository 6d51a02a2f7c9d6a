using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests.Golden;

/// <summary>
/// Batch norm in training (eps 1e-5 and DAFL's 0.8, affine and not, without running statistics) and eval mode against PyTorch, including the
/// running-statistics update of a training call (Fixtures/norm.bin).
/// </summary>
public class NormGoldenTests() : GoldenTest("norm")
{
    /// <summary>Ours takes the statistics in float64 (two passes); PyTorch's CPU kernel accumulates differently.</summary>
    static readonly Tolerance Normalised = new(2e-6, 2e-6, "batch statistics accumulated in a different precision and order");
    static readonly Tolerance Gradient = new(2e-6, 1e-5, "the input gradient subtracts two batch means of gout terms, which partly cancel");
    static readonly Tolerance RunningStats = new(1e-7, 1e-6, "(1 − m)·running + m·batch statistic, the statistic from a different summation");

    [TestCase("bn_train")]
    [TestCase("bn_train_eps08")]
    [TestCase("bn_train_noaffine")]
    [TestCase("bn_train_nostats")]
    [TestCase("bn_eval")]
    [TestCase("bn_eval_noaffine")]
    public void BatchNormMatchesPyTorch(string c)
    {
        using var scope = TensorScope.Begin();
        bool affine = Fx.Has($"{c}/weight");
        var x = Fx.Leaf($"{c}/x");
        var weight = affine ? Fx.Leaf($"{c}/weight") : null;
        var bias = affine ? Fx.Leaf($"{c}/bias") : null;
        bool tracked = Fx.Has($"{c}/running_mean");
        var runningMean = tracked ? Fx.ToTensor($"{c}/running_mean") : null;
        var runningVar = tracked ? Fx.ToTensor($"{c}/running_var") : null;
        var y = BatchNorm2d(x, runningMean, runningVar, weight, bias, training: Fx.Int($"{c}/cfg.training") == 1,
            momentum: Fx.Scalar($"{c}/cfg.momentum"), eps: Fx.Scalar($"{c}/cfg.eps"));
        GoldenAssert.Close(Fx, $"{c}/out", y, Normalised);
        if (tracked)
        {
            GoldenAssert.Close(Fx, $"{c}/running_mean.after", runningMean, RunningStats);
            GoldenAssert.Close(Fx, $"{c}/running_var.after", runningVar, RunningStats);
        }

        y.Backward(Fx.ToTensor($"{c}/gout"));
        GoldenAssert.Close(Fx, $"{c}/grad.x", x.Grad, Gradient);
        if (affine)
        {
            GoldenAssert.Close(Fx, $"{c}/grad.weight", weight!.Grad, new(4e-6, 1e-5, "Σ gout·x̂ over N·H·W = 120 terms in float32: partial sums near 20 have an ulp of 2e-6, summed in a different order"));
            GoldenAssert.Close(Fx, $"{c}/grad.bias", bias!.Grad, new(4e-6, 1e-6, "Σ gout over N·H·W = 120 terms in float32: partial sums near 20 have an ulp of 2e-6, summed in a different order"));
        }
    }
}
