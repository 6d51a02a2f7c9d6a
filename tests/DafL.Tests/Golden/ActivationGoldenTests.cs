using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests.Golden;

/// <summary>relu, leaky_relu, tanh and sigmoid against PyTorch (Fixtures/activation.bin).</summary>
public class ActivationGoldenTests() : GoldenTest("activation")
{
    [Test]
    public void ReluMatchesPyTorch() => CheckOp("relu", ["x"], i => Relu(i[0]),
        Tolerance.Exact("max(x, 0) involves no rounding"),
        Tolerance.Exact("the gradient is gout or 0, no rounding"));

    [Test]
    public void LeakyReluMatchesPyTorch() => CheckOp("leaky_relu", ["x"], i => LeakyRelu(i[0], Fx.Scalar("leaky_relu/cfg.slope")),
        Tolerance.Exact("slope·x is one float32 product in both libraries"),
        Tolerance.Exact("slope·gout is one float32 product in both libraries"));

    [Test]
    public void TanhMatchesPyTorch() => CheckOp("tanh", ["x"], i => Tanh(i[0]),
        new(1e-7, 1e-6, "tanh approximations differ by a few ulp (ours Cephes, PyTorch SLEEF/libm)"),
        new(1e-7, 1e-5, "gout·(1 − y²) loses relative accuracy where y² is near 1"));

    [Test]
    public void SigmoidMatchesPyTorch() => CheckOp("sigmoid", ["x"], i => Sigmoid(i[0]),
        new(1e-7, 1e-6, "e^−|x| approximations differ by an ulp (ours Cephes, PyTorch SLEEF/libm), then one division"),
        new(1e-7, 1e-5, "gout·(y·(1 − y)) loses relative accuracy where y is near 1"));
}
