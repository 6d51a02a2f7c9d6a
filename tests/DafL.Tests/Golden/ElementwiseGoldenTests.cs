using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests.Golden;

/// <summary>Broadcasting add/sub/mul and the unary elementwise ops against PyTorch (Fixtures/elementwise.bin).</summary>
public class ElementwiseGoldenTests() : GoldenTest("elementwise")
{
    static readonly Tolerance OneRounding = Tolerance.Exact("one correctly rounded float32 operation per element in both libraries");
    /// <summary>The gradient of a broadcast input sums gout over the broadcast dimensions.</summary>
    static readonly Tolerance BroadcastSum = new(1e-6, 1e-5, "sums over the broadcast dimensions are accumulated in a different order (ours float64, PyTorch float32)");

    [TestCase("add")]
    [TestCase("sub")]
    [TestCase("mul")]
    public void SameShapeBinaryMatchesPyTorch(string c) => CheckOp(c, ["a", "b"], i => Binary(c, i[0], i[1]), OneRounding, OneRounding);

    /// <summary>(N, C, H, W) with (C, 1, 1), both orders, and (4, 1)·(1, 6) broadcasting on both sides.</summary>
    [TestCase("add_bcast")]
    [TestCase("sub_bcast")]
    [TestCase("sub_bcast_left")]
    [TestCase("mul_bcast")]
    [TestCase("mul_outer")]
    public void BroadcastBinaryMatchesPyTorch(string c) => CheckOp(c, ["a", "b"], i => Binary(c, i[0], i[1]), OneRounding, BroadcastSum);

    static Tensor Binary(string c, Tensor a, Tensor b) => c.Split('_')[0] switch
    {
        "add" => Add(a, b),
        "sub" => Sub(a, b),
        "mul" => Mul(a, b),
        _ => throw new ArgumentException($"unknown binary case {c}"),
    };

    [Test]
    public void ScaleMatchesPyTorch() => CheckOp("scale", ["x"], i => Scale(i[0], Fx.Scalar("scale/cfg.s")), OneRounding, OneRounding);

    [Test]
    public void AddScalarMatchesPyTorch() => CheckOp("add_scalar", ["x"], i => AddScalar(i[0], Fx.Scalar("add_scalar/cfg.s")), OneRounding,
        Tolerance.Exact("the gradient is gout itself"));

    [Test]
    public void NegMatchesPyTorch() => CheckOp("neg", ["x"], i => Neg(i[0]),
        Tolerance.Exact("negation involves no rounding"), Tolerance.Exact("negation involves no rounding"));

    [Test]
    public void AbsMatchesPyTorch() => CheckOp("abs", ["x"], i => Abs(i[0]),
        Tolerance.Exact("|x| involves no rounding"),
        Tolerance.Exact("sign(x)·gout involves no rounding (inputs are kept away from 0)"));

    [Test]
    public void ExpMatchesPyTorch() => CheckOp("exp", ["x"], i => Exp(i[0]),
        new(0, 1e-6, "exp implementations differ by a few ulp"),
        new(0, 2e-6, "gout·exp(x): the product adds one rounding to exp's ulps"));

    [Test]
    public void LogMatchesPyTorch() => CheckOp("log", ["x"], i => Log(i[0]),
        new(1e-7, 1e-6, "log implementations differ by a few ulp; near x = 1 the result is small, hence the atol"),
        new(0, 1e-6, "gout / x is one division, PyTorch's may be computed as gout·(1/x)"));

    [Test]
    public void Log10MatchesPyTorch() => CheckOp("log10", ["x"], i => Log10(i[0]),
        new(1e-7, 1e-6, "log10 implementations differ by a few ulp; near x = 1 the result is small, hence the atol"),
        new(0, 1e-6, "gout / (x·ln 10): the constant and the order of the two roundings may differ"));
}
