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
    public void TanhIsWithinOneUlpOnTheVectorPath()
    {
        // 1024 points over [−12, 12): a multiple of 16, so every one goes through the vector kernel.
        using var scope = TensorScope.Begin();
        var args = Enumerable.Range(0, 1024).Select(i => -12f + i * (24f / 1024) + 1e-3f).ToArray();
        var y = Tanh(Tensor.FromArray(args, args.Length)).ToArray();
        for (int i = 0; i < args.Length; i++)
        {
            float expected = (float)Math.Tanh(args[i]);
            Assert.That(y[i], Is.EqualTo(expected).Within(1.2e-7f * MathF.Abs(expected)), $"tanh({args[i]})");
        }
    }

    [Test]
    public void TanhEdgeValues()
    {
        // 27 values: 16 through Vector512, 8 through Vector256, 3 through the scalar tail.
        using var scope = TensorScope.Begin();
        float[] edge = [-0f, 1e-6f, -1e-4f, 0.6249f, -0.6251f, 9.5f, float.PositiveInfinity, float.NegativeInfinity, float.NaN];
        var args = Enumerable.Repeat(edge, 3).SelectMany(v => v).ToArray();
        var y = Tanh(Tensor.FromArray(args, args.Length)).ToArray();
        for (int i = 0; i < args.Length; i++)
        {
            float expected = (float)Math.Tanh(args[i]);
            if (float.IsNaN(expected)) Assert.That(y[i], Is.NaN);
            else Assert.That(y[i], Is.EqualTo(expected).Within(2.4e-7f * MathF.Abs(expected)), $"tanh({args[i]})");
        }
        Assert.That(float.IsNegative(y[0]), Is.True, "tanh(−0) = −0");
    }

    [Test]
    public void TanhGradCheck()
    {
        using var x = GradCheck.Input([2, 3, 37], 3, scale: 1.5f);
        GradCheck.Check(i => Tanh(i[0]), [x], h: 1e-3);
    }

    [Test]
    public void SigmoidMatchesItsDefinitionOverBothTailsWithoutOverflow()
    {
        // 1027 points over [−100, 100): 1024 through the vector kernels, 3 through the scalar tail. e^x overflows
        // float32 above 88.7, so computing σ as 1/(1 + e^−x) naively would give 0·∞ trouble below −88.7.
        using var scope = TensorScope.Begin();
        var args = Enumerable.Range(0, 1027).Select(i => -100f + i * (200f / 1027) + 1e-3f).ToArray();
        var y = Sigmoid(Tensor.FromArray(args, args.Length)).ToArray();
        for (int i = 0; i < args.Length; i++)
        {
            float expected = (float)(1 / (1 + Math.Exp(-args[i])));
            Assert.That(y[i], Is.EqualTo(expected).Within(3.6e-7f * expected + 1e-44f), $"sigmoid({args[i]})");
        }
    }

    [Test]
    public void SigmoidEdgeValues()
    {
        // 27 values: 16 through Vector512, 8 through Vector256, 3 through the scalar tail.
        using var scope = TensorScope.Begin();
        float[] edge = [-0f, 0f, 1e-6f, -30f, 17f, 89f, float.PositiveInfinity, float.NegativeInfinity, float.NaN];
        var args = Enumerable.Repeat(edge, 3).SelectMany(v => v).ToArray();
        var y = Sigmoid(Tensor.FromArray(args, args.Length)).ToArray();
        for (int i = 0; i < args.Length; i += edge.Length)
        {
            Assert.That(y.Skip(i).Take(5).ToArray(), Is.EqualTo(new[] { 0.5f, 0.5f, 0.50000025f, 9.357623e-14f, 0.99999994f }).Within(1).Ulps);
            Assert.That(y.Skip(i + 5).Take(3).ToArray(), Is.EqualTo(new[] { 1f, 1f, 0f }), "σ saturates at 1 and 0 exactly");
            Assert.That(y[i + 8], Is.NaN);
        }
    }

    [Test]
    public void SigmoidGradCheck()
    {
        using var x = GradCheck.Input([2, 3, 37], 4, scale: 3f);
        GradCheck.Check(i => Sigmoid(i[0]), [x], h: 1e-3);
    }
}
