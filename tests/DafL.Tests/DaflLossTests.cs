using DafL.Memory;
using DafL.Ops;
using DafL.Random;
using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests;

public class DaflLossTests
{
    static readonly (EntropyLog Log, bool DivideByK)[] Variants =
        [(EntropyLog.Log10, false), (EntropyLog.Log10, true), (EntropyLog.Ln, false), (EntropyLog.Ln, true)];

    [Test]
    public void EntropyOfAUniformBatchMeanIsMinusLogK()
    {
        using var scope = TensorScope.Begin();
        const int k = 10;
        // Row i is row 0 rotated by i: every row is peaked differently, but the column means are all equal.
        float[] first = Enumerable.Range(0, k).Select(j => j == 0 ? 4f : j % 3 * 0.5f).ToArray();
        var values = new float[k * k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) values[i * k + j] = first[(j - i + k) % k];
        var rotated = Tensor.FromArray(values, k, k);
        var flat = Tensor.Zeros([3, k]);
        foreach (var logits in new[] { rotated, flat })
        {
            Assert.That(InformationEntropyLoss(logits).Item(), Is.EqualTo(-1f).Within(1e-6f)); // official: log10, no 1/K
            Assert.That(InformationEntropyLoss(logits, EntropyLog.Ln, divideByK: true).Item(), Is.EqualTo(-MathF.Log(k) / k).Within(1e-6f)); // paper
            Assert.That(InformationEntropyLoss(logits, EntropyLog.Ln).Item(), Is.EqualTo(-MathF.Log(k)).Within(1e-6f));
            Assert.That(InformationEntropyLoss(logits, EntropyLog.Log10, divideByK: true).Item(), Is.EqualTo(-0.1f).Within(1e-6f));
        }
    }

    [Test]
    public void EntropyMatchesPyTorch()
    {
        using var scope = TensorScope.Begin();
        // p = F.softmax(t, 1).mean(0) for the (3, 4) logits below: (p·log10 p).sum() and (p·ln p).sum() / 4, PyTorch float64.
        var t = Tensor.FromArray([1f, 0f, -1f, 2f, 0f, 2f, 1f, -1f, 0.3f, 0.3f, 2.5f, -0.5f], 3, 4);
        Assert.That((double)InformationEntropyLoss(t).Item(), Is.EqualTo(-0.5802477348682809).Within(1e-6));
        Assert.That((double)InformationEntropyLoss(t, EntropyLog.Ln, true).Item(), Is.EqualTo(-0.3340174461378162).Within(1e-6));
    }

    [Test]
    public void EntropyMatchesNaiveLoop()
    {
        using var scope = TensorScope.Begin();
        const int n = 37, k = 23;
        var logits = Tensor.Randn([n, k], new Philox(1));
        var x = logits.ToArray();
        var mean = new double[k];
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int j = 0; j < k; j++) sum += Math.Exp(x[i * k + j]);
            for (int j = 0; j < k; j++) mean[j] += Math.Exp(x[i * k + j]) / sum / n;
        }
        foreach (var (log, divide) in Variants)
        {
            double expected = mean.Sum(p => p * (log == EntropyLog.Log10 ? Math.Log10(p) : Math.Log(p))) / (divide ? k : 1);
            Assert.That((double)InformationEntropyLoss(logits, log, divide).Item(), Is.EqualTo(expected).Within(1e-6 * Math.Abs(expected)), $"{log} divideByK={divide}");
        }
    }

    [Test]
    public void EntropyTreatsZeroProbabilityAsZero()
    {
        using var scope = TensorScope.Begin();
        // Class 1's probability underflows to exactly 0 in every row: 0·log 0 counts 0 and the gradient stays finite.
        var logits = Tensor.FromArray([0f, -200f, 0f, 0f, -200f, 0f], 2, 3);
        logits.RequiresGrad = true;
        var loss = InformationEntropyLoss(logits, EntropyLog.Ln);
        Assert.That(loss.Item(), Is.EqualTo(-MathF.Log(2f)).Within(1e-6f));
        loss.Backward();
        Assert.That(logits.Grad!.ToArray(), Is.All.Not.NaN);
    }

    [Test]
    public void EntropyGradCheck()
    {
        using var logits = GradCheck.Input([6, 5], 2, scale: 2f);
        foreach (var (log, divide) in Variants)
            GradCheck.Check(i => InformationEntropyLoss(i[0], log, divide), [logits], h: 1e-3, atol: 1e-4);
        using var wide = GradCheck.Input([3, 40], 3);
        GradCheck.Check(i => InformationEntropyLoss(i[0]), [wide], h: 1e-3, atol: 1e-4);
    }

    [Test]
    public void ActivationLossOfKnownFeatures()
    {
        using var f = Tensor.FromArray([1f, -2f, 3f, -4f, 0f, 0.5f], 2, 3);
        f.RequiresGrad = true;
        using (var scope = TensorScope.Begin())
        {
            var official = ActivationLoss(f);
            Assert.That(official.Item(), Is.EqualTo(-10.5f / 6)); // −mean |f|
            official.Backward();
        }
        Assert.That(f.Grad!.ToArray(), Is.EqualTo(new[] { -1f, 1f, -1f, 1f, 0f, -1f }.Select(v => v / 6)).Within(1e-8f));
        f.ZeroGrad();
        using (var scope = TensorScope.Begin())
        {
            var paper = ActivationLoss(f, ActivationNorm.L1);
            Assert.That(paper.Item(), Is.EqualTo(-10.5f / 2)); // −(1/N) Σᵢ ‖fᵢ‖₁
            paper.Backward();
        }
        Assert.That(f.Grad!.ToArray(), Is.EqualTo(new[] { -1f, 1f, -1f, 1f, 0f, -1f }.Select(v => v / 2)).Within(1e-8f));
    }

    [Test]
    public void ActivationLossMatchesNaiveLoopOnALargeBatch()
    {
        using var scope = TensorScope.Begin();
        var f = Tensor.Randn([256, 513], new Philox(4));
        double sumAbs = f.ToArray().Sum(v => (double)Math.Abs(v));
        Assert.That((double)ActivationLoss(f).Item(), Is.EqualTo(-sumAbs / f.Numel).Within(1e-6 * sumAbs / f.Numel));
        Assert.That((double)ActivationLoss(f, ActivationNorm.L1).Item(), Is.EqualTo(-sumAbs / 256).Within(1e-6 * sumAbs / 256));
    }

    [Test]
    public void ActivationLossGradCheck()
    {
        using var f = GradCheck.Input([4, 37], 5, minAbs: 0.05f);
        GradCheck.Check(i => ActivationLoss(i[0]), [f], h: 1e-3);
        GradCheck.Check(i => ActivationLoss(i[0], ActivationNorm.L1), [f], h: 1e-3);
    }

    [Test]
    public void BadShapesAreRejectedWithTheOpAndShape()
    {
        using var scope = TensorScope.Begin();
        var e = Assert.Throws<ArgumentException>(() => InformationEntropyLoss(Tensor.Zeros([10])));
        Assert.That(e!.Message, Does.Contain("information_entropy_loss").And.Contain("[10]"));
        Assert.Throws<ArgumentException>(() => InformationEntropyLoss(Tensor.Zeros([0, 10])));
        var a = Assert.Throws<ArgumentException>(() => ActivationLoss(Tensor.Zeros([2, 3, 4])));
        Assert.That(a!.Message, Does.Contain("activation_loss").And.Contain("[2, 3, 4]"));
    }

    [Test]
    public void ForwardAndBackwardReturnEveryBuffer()
    {
        long buffers = BufferPool.LiveBuffers, tensors = Tensor.LiveTensors;
        using (var logits = GradCheck.Input([8, 10], 6))
        using (var features = GradCheck.Input([8, 16], 7))
        {
            using (var scope = TensorScope.Begin())
            {
                var loss = Scale(InformationEntropyLoss(logits), 5f) + Scale(ActivationLoss(features), 0.1f);
                loss.Backward();
            }
            Assert.That(logits.Grad, Is.Not.Null);
            Assert.That(features.Grad, Is.Not.Null);
        }
        Assert.That(BufferPool.LiveBuffers, Is.EqualTo(buffers));
        Assert.That(Tensor.LiveTensors, Is.EqualTo(tensors));
    }
}
