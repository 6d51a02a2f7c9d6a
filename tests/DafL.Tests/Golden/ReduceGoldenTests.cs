using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests.Golden;

/// <summary>sum, mean and argmax against PyTorch (Fixtures/reduce.bin).</summary>
public class ReduceGoldenTests() : GoldenTest("reduce")
{
    /// <summary>Ours accumulates in float64 and rounds once; PyTorch sums float32 in its own (vectorised) order.</summary>
    static readonly Tolerance SumOrder = new(1e-6, 1e-6, "float32 summation order differs (ours float64 then one rounding)");
    static readonly Tolerance Broadcast = Tolerance.Exact("the gradient copies (sum) or scales once by 1/n (mean) gout");

    [Test]
    public void SumAllMatchesPyTorch() => CheckOp("sum_all", ["x"], i => Sum(i[0]), SumOrder, Broadcast);

    [Test]
    public void SumDimMatchesPyTorch() => CheckOp("sum_dim1", ["x"], i => Sum(i[0], Fx.Int("sum_dim1/cfg.dim")), SumOrder, Broadcast);

    [Test]
    public void SumLastDimKeepDimMatchesPyTorch() =>
        CheckOp("sum_dim_last_keep", ["x"], i => Sum(i[0], Fx.Int("sum_dim_last_keep/cfg.dim"), keepDim: true), SumOrder, Broadcast);

    [Test]
    public void MeanAllMatchesPyTorch() => CheckOp("mean_all", ["x"], i => Mean(i[0]), SumOrder,
        new(0, 2.4e-7, "gout/n: PyTorch divides by n, we may multiply by the rounded 1/n (2 ulp)"));

    [Test]
    public void MeanDimMatchesPyTorch() => CheckOp("mean_dim0", ["x"], i => Mean(i[0], Fx.Int("mean_dim0/cfg.dim")), SumOrder,
        new(0, 2.4e-7, "gout/n: PyTorch divides by n, we may multiply by the rounded 1/n (2 ulp)"));

    [Test]
    public void MeanDimKeepDimMatchesPyTorch() =>
        CheckOp("mean_dim2_keep", ["x"], i => Mean(i[0], Fx.Int("mean_dim2_keep/cfg.dim"), keepDim: true), SumOrder,
            new(0, 2.4e-7, "gout/n: PyTorch divides by n, we may multiply by the rounded 1/n (2 ulp)"));

    [TestCase("argmax_dim1")]
    [TestCase("argmax_dim0")]
    public void ArgmaxMatchesPyTorch(string c)
    {
        using var scope = TensorScope.Begin();
        var x = Fx.ToTensor($"{c}/x");
        GoldenAssert.Close(Fx, $"{c}/out", Argmax(x, Fx.Int($"{c}/cfg.dim")), Tolerance.Exact("indices are integers (random inputs have no ties)"));
    }
}
