using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests;

public class ActivationTests
{
    [Test]
    public void ReluMatchesDefinition()
    {
        using var x = Tensor.FromArray([-2f, -0.5f, 0f, 0.5f, 3f], 5);
        using var y = Relu(x);
        Assert.That(y.ToArray(), Is.EqualTo(new[] { 0f, 0f, 0f, 0.5f, 3f }));
    }

    [Test]
    public void LeakyReluMatchesDefinition()
    {
        using var x = Tensor.FromArray([-2f, 1f], 2);
        using var y = LeakyRelu(x, 0.2f);
        Assert.That(y.ToArray(), Is.EqualTo(new[] { -0.4f, 1f }).Within(1e-7f));
    }

    [Test]
    public void ReluGradCheck()
    {
        using var x = GradCheck.Input([3, 37], 1, minAbs: 0.05f);
        GradCheck.Check(i => Relu(i[0]), [x], h: 1e-3);
    }

    [Test]
    public void LeakyReluGradCheck()
    {
        using var x = GradCheck.Input([2, 3, 5, 7], 2, minAbs: 0.05f);
        GradCheck.Check(i => LeakyRelu(i[0], 0.2f), [x], h: 1e-3);
    }

    [Test]
    public void TanhMatchesDoublePrecision()
    {
        using var scope = TensorScope.Begin();
        float[] args = [-20f, -3f, -0.5f, -1e-4f, 0f, 1e-6f, 0.25f, 2f, 9f, float.PositiveInfinity];
        var y = Tanh(Tensor.FromArray(args, args.Length)).ToArray();
        for (int i = 0; i < args.Length; i++)
            Assert.That((double)y[i], Is.EqualTo(Math.Tanh(args[i])).Within(2e-7 * Math.Abs(Math.Tanh(args[i]))), $"tanh({args[i]})");
    }

    [Test]
    public void TanhGradCheck()
    {
        using var x = GradCheck.Input([2, 3, 37], 3, scale: 1.5f);
        GradCheck.Check(i => Tanh(i[0]), [x], h: 1e-3);
    }
}
