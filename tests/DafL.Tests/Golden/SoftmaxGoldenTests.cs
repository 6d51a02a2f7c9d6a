using DafL.Ops;
using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests.Golden;

/// <summary>softmax, log_softmax, cross-entropy, kl_div and the KD loss against PyTorch (Fixtures/softmax.bin).</summary>
public class SoftmaxGoldenTests() : GoldenTest("softmax")
{
    /// <summary>exp and the row sum are evaluated differently (exp approximation, summation order).</summary>
    static readonly Tolerance RowNormalised = new(1e-7, 2e-6, "exp approximations and the order of the row sum differ");
    /// <summary>A scalar loss: a sum of N·C terms, each with a few ulps of exp/log error.</summary>
    static readonly Tolerance Loss = new(1e-6, 2e-6, "a sum of exp/log terms: ulp differences and summation order");

    [TestCase("softmax")]
    [TestCase("softmax_mid")]
    public void SoftmaxMatchesPyTorch(string c) => CheckOp(c, ["x"], i => Softmax(i[0], Fx.Int($"{c}/cfg.dim")), RowNormalised,
        new(1e-7, 1e-5, "y·(g − Σ g·y): the inner sum differs in order and cancels partly"));

    [TestCase("log_softmax")]
    [TestCase("log_softmax_mid")]
    public void LogSoftmaxMatchesPyTorch(string c) => CheckOp(c, ["x"], i => LogSoftmax(i[0], Fx.Int($"{c}/cfg.dim")),
        new(1e-6, 1e-6, "x − max − log Σ exp: the log-sum-exp differs in its last bits, absolute in size"),
        new(1e-6, 1e-5, "g − softmax·Σ g: exp and summation order differ"));

    [Test]
    public void CrossEntropyMatchesPyTorch() => CheckOp("cross_entropy", ["x", "targets"], i => CrossEntropy(i[0], i[1]), Loss,
        new(1e-7, 1e-5, "(softmax − onehot)·gout/N: exp and the row sum differ"), "targets");

    [TestCase("kl_div_sum", KlReduction.Sum)]
    [TestCase("kl_div_batchmean", KlReduction.BatchMean)]
    [TestCase("kl_div_mean", KlReduction.Mean)]
    public void KlDivMatchesPyTorch(string c, KlReduction reduction) => CheckOp(c, ["x", "t"], i => KlDiv(i[0], i[1], reduction), Loss,
        new(1e-7, 1e-6, "−t·gout·scale and (ln t + 1 − x)·gout·scale: log ulps and the order of the scaling"));

    [Test]
    public void KdLossWithTemperatureMatchesPyTorch() => CheckOp("kd_loss_t4", ["s", "t"], i => KdLoss(i[0], i[1], Fx.Scalar("kd_loss_t4/cfg.temperature")), Loss,
        new(1e-7, 1e-5, "(softmax(s/T) − softmax(t/T))·gout/(N·T): fused here, through autograd in PyTorch"), "t");

    [Test]
    public void KdLossMatchesPyTorch() => CheckOp("kd_loss", ["s", "t"], i => KdLoss(i[0], i[1]), Loss,
        new(1e-7, 1e-5, "(softmax s − softmax t)·gout/N: a difference of two softmaxes, computed fused here, through autograd in PyTorch"), "t");
}
