using DafL.Memory;
using DafL.Ops;
using DafL.Random;
using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests;

public class SoftmaxTests
{
    // Student/teacher logits (3, 4) and the values PyTorch 1.13 gives for them in float64.
    static readonly float[] S = [0.5f, -1f, 2f, 0f, 1.5f, 0.25f, -0.75f, 3f, -2f, 1f, 0.5f, 0.5f];
    static readonly float[] T = [1f, 0f, -1f, 2f, 0f, 2f, 1f, -1f, 0.3f, 0.3f, 2.5f, -0.5f];

    [Test]
    public void SoftmaxOfAKnownVector()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1f, 2f, 3f], 3);
        float[] expected = [0.090030573f, 0.244728471f, 0.665240956f];
        Assert.That(Softmax(x).ToArray(), Is.EqualTo(expected).Within(1e-7f));
        // Shifted by 1000: the max-subtraction keeps it finite and equal.
        var big = Tensor.FromArray([1001f, 1002f, 1003f], 3);
        Assert.That(Softmax(big).ToArray(), Is.EqualTo(expected).Within(1e-7f));
    }

    [Test]
    public void LogSoftmaxKeepsSmallDifferencesOfLargeLogits()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1000f, 1000.5f], 2);
        Assert.That(LogSoftmax(x).ToArray(), Is.EqualTo(new[] { -0.974076986f, -0.474076986f }).Within(1e-6f));
    }

    static IEnumerable<TestCaseData> SoftmaxCases()
    {
        foreach (var (shape, dim) in new (int[], int)[] { ([4, 37], -1), ([3, 100], 1), ([3, 4, 5], 0), ([3, 4, 5], 1), ([2, 3, 17], 2), ([6], 0) })
            yield return new TestCaseData(shape, dim).SetArgDisplayNames(Tensor.ShapeString(shape), dim.ToString());
    }

    [TestCaseSource(nameof(SoftmaxCases))]
    public void SoftmaxAndLogSoftmaxMatchNaiveLoop(int[] shape, int dim)
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.Randn(shape, new Philox(1));
        var xs = x.ToArray();
        int d = dim < 0 ? dim + shape.Length : dim;
        int outer = shape[..d].Aggregate(1, (a, b) => a * b), size = shape[d], inner = shape[(d + 1)..].Aggregate(1, (a, b) => a * b);
        var soft = new double[xs.Length];
        var logSoft = new double[xs.Length];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                double sum = 0;
                for (int j = 0; j < size; j++) sum += Math.Exp(xs[(o * size + j) * inner + i]);
                for (int j = 0; j < size; j++)
                {
                    int k = (o * size + j) * inner + i;
                    soft[k] = Math.Exp(xs[k]) / sum;
                    logSoft[k] = xs[k] - Math.Log(sum);
                }
            }
        Assert.That(Softmax(x, dim).ToArray(), Is.EqualTo(soft.Select(v => (float)v)).Within(1e-7f));
        Assert.That(LogSoftmax(x, dim).ToArray(), Is.EqualTo(logSoft.Select(v => (float)v)).Within(2e-6f));
    }

    [Test]
    public void SoftmaxGradCheck()
    {
        using var x = GradCheck.Input([3, 4, 5], 2, scale: 2f);
        GradCheck.Check(i => Softmax(i[0]), [x], h: 1e-3);
        GradCheck.Check(i => Softmax(i[0], 1), [x], h: 1e-3);
        GradCheck.Check(i => LogSoftmax(i[0]), [x], h: 1e-3);
        GradCheck.Check(i => LogSoftmax(i[0], 0), [x], h: 1e-3);
        using var wide = GradCheck.Input([2, 40], 3);
        GradCheck.Check(i => LogSoftmax(i[0]), [wide], h: 1e-3);
        GradCheck.Check(i => Softmax(i[0]), [wide], h: 1e-3);
    }

    [Test]
    public void CrossEntropyOfKnownCases()
    {
        using var scope = TensorScope.Begin();
        // logsumexp(1, 2, 3) = 3.40760596: rows with targets 2 and 0 lose 0.40760596 and 2.40760596.
        var logits = Tensor.FromArray([1f, 2f, 3f, 1f, 2f, 3f], 2, 3);
        var targets = Tensor.FromArray([2f, 0f], 2);
        Assert.That(CrossEntropy(logits, targets).Item(), Is.EqualTo(1.40760596f).Within(1e-6f));
        // PyTorch: F.cross_entropy(S, [2, 3, 0]) = 1.4764801694304464.
        var s = Tensor.FromArray(S, 3, 4);
        Assert.That(CrossEntropy(s, Tensor.FromArray([2f, 3f, 0f], 3)).Item(), Is.EqualTo(1.47648017f).Within(1e-6f));
    }

    [Test]
    public void CrossEntropyGradientIsSoftmaxMinusOneHotOverN()
    {
        using var logits = GradCheck.Input([5, 7], 4, scale: 3f);
        using (var scope = TensorScope.Begin())
        {
            var targets = Tensor.FromArray([0f, 6f, 3f, 3f, 1f], 5);
            CrossEntropy(logits, targets).Backward();
            var p = Softmax(logits.Detach()).ToArray();
            var t = targets.ToArray();
            for (int i = 0; i < 5; i++) p[i * 7 + (int)t[i]] -= 1f;
            Assert.That(logits.Grad!.ToArray(), Is.EqualTo(p.Select(v => v / 5)).Within(1e-7f));
        }
        logits.ZeroGrad();
        using var targetsForCheck = Tensor.FromArray([2f, 0f, 6f, 5f, 1f], 5);
        GradCheck.Check(i => CrossEntropy(i[0], targetsForCheck), [logits], h: 1e-3);
    }

    [Test]
    public void CrossEntropyRejectsBadShapesAndTargets()
    {
        using var scope = TensorScope.Begin();
        var logits = Tensor.Zeros([2, 3]);
        var e = Assert.Throws<ArgumentException>(() => CrossEntropy(logits, Tensor.Zeros([3])));
        Assert.That(e!.Message, Does.Contain("cross_entropy").And.Contain("[2, 3]").And.Contain("[3]"));
        Assert.Throws<ArgumentException>(() => CrossEntropy(Tensor.Zeros([6]), Tensor.Zeros([6])));
        foreach (var bad in new[] { 3f, -1f, 1.5f, float.NaN })
        {
            var ex = Assert.Throws<ArgumentException>(() => CrossEntropy(logits, Tensor.FromArray([0f, bad], 2)));
            Assert.That(ex!.Message, Does.Contain("cross_entropy").And.Contain("row 1"));
        }
    }

    [Test]
    public void NaNLogitsMakeBackwardThrowNamingCrossEntropy()
    {
        using var logits = Tensor.FromArray([0.5f, float.NaN, 1f, 2f, 0f, -1f], 2, 3);
        logits.RequiresGrad = true;
        using var targets = Tensor.FromArray([1f, 0f], 2);
        using var loss = CrossEntropy(logits, targets);
        Assert.That(loss.Item(), Is.NaN);
        var e = Assert.Throws<ArithmeticException>(() => loss.Backward());
        Assert.That(e!.Message, Does.Contain("cross_entropy"));
        Assert.That(logits.Grad, Is.Null);
    }

    [Test]
    public void KlDivMatchesPyTorch()
    {
        // F.kl_div([[-1, -2, -0.5]], [[0, 0.3, 0.7]], reduction=...) and its gradients, from PyTorch 1.13.
        using var x = Tensor.FromArray([-1f, -2f, -0.5f], 1, 3);
        using var t = Tensor.FromArray([0f, 0.3f, 0.7f], 1, 3);
        x.RequiresGrad = true;
        t.RequiresGrad = true;
        foreach (var (reduction, value, tGrad) in new[]
                 {
                     (KlReduction.Sum, 0.33913567662239075, new[] { float.NaN, 1.7960f, 1.1433f }),
                     (KlReduction.BatchMean, 0.33913567662239075, new[] { float.NaN, 1.7960f, 1.1433f }),
                     (KlReduction.Mean, 0.11304522305727005, new[] { float.NaN, 0.5987f, 0.3811f }),
                 })
        {
            using (var scope = TensorScope.Begin())
            {
                var loss = KlDiv(x, t, reduction);
                Assert.That((double)loss.Item(), Is.EqualTo(value).Within(1e-7));
                loss.Backward();
            }
            float k = reduction == KlReduction.Mean ? 1f / 3 : 1f;
            Assert.That(x.Grad!.ToArray(), Is.EqualTo(new[] { 0f, -0.3f * k, -0.7f * k }).Within(1e-7f));
            Assert.That(t.Grad!.ToArray(), Is.EqualTo(tGrad).Within(1e-4f));
            x.ZeroGrad();
            t.ZeroGrad();
        }
    }

    [Test]
    public void KlDivReductionsMatchNaiveLoop()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.Randn([4, 6], new Philox(5));
        var t = Tensor.Rand([4, 6], new Philox(6));
        float[] xv = x.ToArray(), tv = t.ToArray();
        double sum = 0;
        for (int i = 0; i < 24; i++) sum += tv[i] * (Math.Log(tv[i]) - xv[i]);
        Assert.That((double)KlDiv(x, t, KlReduction.Sum).Item(), Is.EqualTo(sum).Within(1e-6 * Math.Abs(sum) + 1e-7));
        Assert.That((double)KlDiv(x, t, KlReduction.BatchMean).Item(), Is.EqualTo(sum / 4).Within(1e-6 * Math.Abs(sum) + 1e-7));
        Assert.That((double)KlDiv(x, t, KlReduction.Mean).Item(), Is.EqualTo(sum / 24).Within(1e-6 * Math.Abs(sum) + 1e-7));
    }

    [Test]
    public void KlDivGradCheckBothInputs()
    {
        using var x = GradCheck.Input([3, 5], 7);
        using var t = GradCheck.Input([3, 5], 8);
        var tv = t.Span;
        for (int i = 0; i < tv.Length; i++) tv[i] = MathF.Abs(tv[i]) + 0.2f; // strictly positive targets
        foreach (var r in new[] { KlReduction.Sum, KlReduction.BatchMean, KlReduction.Mean })
            GradCheck.Check(i => KlDiv(i[0], i[1], r), [x, t], h: 1e-3);
    }

    [Test]
    public void KlDivRejectsMismatchedShapes()
    {
        using var a = Tensor.Zeros([2, 3]);
        using var b = Tensor.Zeros([3, 2]);
        using var scalar = Tensor.Scalar(0f);
        var e = Assert.Throws<ArgumentException>(() => KlDiv(a, b, KlReduction.Sum));
        Assert.That(e!.Message, Does.Contain("kl_div").And.Contain("[2, 3]").And.Contain("[3, 2]"));
        Assert.That(Assert.Throws<ArgumentException>(() => KlDiv(scalar, scalar, KlReduction.BatchMean))!.Message, Does.Contain("batchmean"));
    }

    [Test]
    public void KdLossMatchesPyTorch()
    {
        using var scope = TensorScope.Begin();
        var s = Tensor.FromArray(S, 3, 4);
        var t = Tensor.FromArray(T, 3, 4);
        // F.kl_div(F.log_softmax(s/T, 1), F.softmax(t/T, 1), reduction='sum') / 3 in float64.
        Assert.That((double)KdLoss(s, t).Item(), Is.EqualTo(1.3873298076710485).Within(1e-6));
        Assert.That((double)KdLoss(s, t, 4f).Item(), Is.EqualTo(0.11631396693900851).Within(1e-7));
    }

    [Test]
    public void KdLossOfIdenticalLogitsIsZero()
    {
        using var scope = TensorScope.Begin();
        var s = Tensor.Randn([8, 100], new Philox(9), Device.Cpu);
        Assert.That(KdLoss(s, s).Item(), Is.EqualTo(0f).Within(1e-6f));
        Assert.That(KdLoss(s, s, 3f).Item(), Is.EqualTo(0f).Within(1e-6f));
    }

    [TestCase(1f)]
    [TestCase(4f)]
    public void KdLossEqualsTheUnfusedComposition(float temperature)
    {
        using var scope = TensorScope.Begin();
        var s = Tensor.Randn([6, 37], new Philox(10));
        var t = Tensor.Randn([6, 37], new Philox(11));
        var unfused = Scale(KlDiv(LogSoftmax(Scale(s, 1 / temperature)), Softmax(Scale(t, 1 / temperature)), KlReduction.Sum), 1f / 6);
        Assert.That(KdLoss(s, t, temperature).Item(), Is.EqualTo(unfused.Item()).Within(1e-6f));
    }

    [TestCase(1f)]
    [TestCase(3f)]
    public void KdLossGradCheckAndTeacherIsConstant(float temperature)
    {
        using var s = GradCheck.Input([4, 21], 12, scale: 2f);
        using var t = GradCheck.Input([4, 21], 13, scale: 2f);
        GradCheck.Check(i => KdLoss(i[0], t, temperature), [s], h: 1e-3);
        using (var scope = TensorScope.Begin()) KdLoss(s, t, temperature).Backward();
        Assert.That(s.Grad, Is.Not.Null);
        Assert.That(t.Grad, Is.Null);
    }

    [Test]
    public void KdLossRejectsBadInputs()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.Zeros([2, 3]);
        var e = Assert.Throws<ArgumentException>(() => KdLoss(a, Tensor.Zeros([2, 4])));
        Assert.That(e!.Message, Does.Contain("kd_loss").And.Contain("[2, 4]"));
        Assert.Throws<ArgumentException>(() => KdLoss(Tensor.Zeros([6]), Tensor.Zeros([6])));
        Assert.That(Assert.Throws<ArgumentException>(() => KdLoss(a, a, 0f))!.Message, Does.Contain("temperature"));
    }

    [Test]
    public void ForwardAndBackwardReturnEveryBuffer()
    {
        long buffers = BufferPool.LiveBuffers, tensors = Tensor.LiveTensors;
        using (var x = GradCheck.Input([4, 10], 14))
        using (var t = GradCheck.Input([4, 10], 15))
        {
            using (var scope = TensorScope.Begin())
            {
                var targets = Tensor.FromArray([1f, 2f, 3f, 9f], 4);
                var loss = CrossEntropy(x, targets) + KdLoss(x, t) + KlDiv(LogSoftmax(x, 0), Softmax(t, 0), KlReduction.BatchMean);
                loss.Backward();
            }
            Assert.That(x.Grad, Is.Not.Null);
            Assert.That(t.Grad, Is.Not.Null);
        }
        Assert.That(BufferPool.LiveBuffers, Is.EqualTo(buffers));
        Assert.That(Tensor.LiveTensors, Is.EqualTo(tensors));
    }
}
