using DafL.Memory;
using DafL.Random;
using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests;

/// <summary>
/// Matmul and Linear against their definitions. Values are compared with a float64 triple loop within
/// (K + 3)·2⁻²⁴·Σ|terms| per element (the float32 summation bound, as in <see cref="GemmTests"/>).
/// </summary>
public class LinearTests
{
    long _buffersAtStart, _tensorsAtStart;

    [SetUp]
    public void RecordLiveCounts()
    {
        _buffersAtStart = BufferPool.LiveBuffers;
        _tensorsAtStart = Tensor.LiveTensors;
    }

    [TearDown]
    public void NothingLeaked()
    {
        Assert.That(Tensor.LiveTensors, Is.EqualTo(_tensorsAtStart), "tensors leaked");
        Assert.That(BufferPool.LiveBuffers, Is.EqualTo(_buffersAtStart), "buffers leaked");
    }

    [Test]
    public void MatmulHandComputed()
    {
        // [1 2 3; 4 5 6] · [1 0; 0 1; 1 1] = [4 5; 10 11]
        using var a = Tensor.FromArray([1f, 2, 3, 4, 5, 6], 2, 3);
        using var b = Tensor.FromArray([1f, 0, 0, 1, 1, 1], 3, 2);
        using var y = Matmul(a, b);
        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 2 }));
        Assert.That(y.ToArray(), Is.EqualTo(new[] { 4f, 5f, 10f, 11f }));
    }

    [Test]
    public void LinearHandComputed()
    {
        // x = [1 2; 3 4], W = [1 1; 0 2; -1 0], b = [0.5 0 -1]: x·Wᵀ + b = [3.5 4 -2; 7.5 8 -4]
        using var x = Tensor.FromArray([1f, 2, 3, 4], 2, 2);
        using var w = Tensor.FromArray([1f, 1, 0, 2, -1, 0], 3, 2);
        using var b = Tensor.FromArray([0.5f, 0, -1], 3);
        using var y = Linear(x, w, b);
        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(y.ToArray(), Is.EqualTo(new[] { 3.5f, 4f, -2f, 7.5f, 8f, -4f }));
        using var noBias = Linear(x, w);
        Assert.That(noBias.ToArray(), Is.EqualTo(new[] { 3f, 4f, -1f, 7f, 8f, -3f }));
    }

    [TestCase(1, 1, 1)]
    [TestCase(7, 13, 5)]
    [TestCase(64, 33, 70)]
    [TestCase(130, 300, 40)]
    public void MatmulMatchesReference(int m, int k, int n)
    {
        using var a = Tensor.Randn([m, k], new Philox(1));
        using var b = Tensor.Randn([k, n], new Philox(2));
        using var y = Matmul(a, b);
        AssertProduct(y.ToArray(), a.ToArray(), false, b.ToArray(), false, m, n, k, null);
    }

    [TestCase(1, 1, 1, true)]
    [TestCase(512, 84, 10, true)]
    [TestCase(37, 120, 84, false)]
    [TestCase(9, 400, 120, true)]
    public void LinearMatchesReference(int batch, int inFeatures, int outFeatures, bool withBias)
    {
        using var x = Tensor.Randn([batch, inFeatures], new Philox(3));
        using var w = Tensor.Randn([outFeatures, inFeatures], new Philox(4));
        using var b = withBias ? Tensor.Randn([outFeatures], new Philox(5)) : null;
        using var y = Linear(x, w, b);
        AssertProduct(y.ToArray(), x.ToArray(), false, w.ToArray(), true, batch, outFeatures, inFeatures, b?.ToArray());
    }

    [Test]
    public void TransposedViewsAreReadInPlace()
    {
        // aᵀ and bᵀ are strided views; the product must equal the product of their row-major copies.
        using var a = Tensor.Randn([11, 6], new Philox(6));
        using var b = Tensor.Randn([9, 11], new Philox(7));
        using var at = a.T();
        using var bt = b.T();
        using var y = Matmul(at, bt); // (6, 11) · (11, 9)
        AssertProduct(y.ToArray(), a.ToArray(), true, b.ToArray(), true, 6, 9, 11, null);
        using var w = Tensor.Randn([11, 4], new Philox(8));
        using var wt = w.T(); // a (out 4, in 11) weight that is a transposed view
        using var z = Linear(at, wt); // (6, 4) = aᵀ (6, 11) · w (11, 4)
        AssertProduct(z.ToArray(), a.ToArray(), true, w.ToArray(), false, 6, 4, 11, null);
    }

    [Test]
    public void MatmulGradCheck()
    {
        using var a = GradCheck.Input([5, 7], 11);
        using var b = GradCheck.Input([7, 4], 12);
        GradCheck.Check(i => Matmul(i[0], i[1]), [a, b]);
    }

    [Test]
    public void MatmulGradCheckThroughTransposedViews()
    {
        using var a = GradCheck.Input([7, 5], 13);
        using var b = GradCheck.Input([4, 7], 14);
        // The views are graph nodes: GradCheck's scope disposes them after backward.
        GradCheck.Check(i => Matmul(i[0].T(), i[1].T()), [a, b]);
    }

    [Test]
    public void LinearGradCheck()
    {
        using var x = GradCheck.Input([6, 9], 15);
        using var w = GradCheck.Input([5, 9], 16);
        using var b = GradCheck.Input([5], 17);
        GradCheck.Check(i => Linear(i[0], i[1], i[2]), [x, w, b]);
    }

    [Test]
    public void LinearGradCheckWithoutBias()
    {
        using var x = GradCheck.Input([13, 40], 18, scale: 0.5f);
        using var w = GradCheck.Input([10, 40], 19, scale: 0.5f);
        GradCheck.Check(i => Linear(i[0], i[1]), [x, w]);
    }

    [Test]
    public void LinearGradientsOnlyWhereRequired()
    {
        using var x = Tensor.Randn([4, 3], new Philox(20));
        using var w = GradCheck.Input([2, 3], 21);
        using var b = Tensor.Randn([2], new Philox(22));
        using (var y = Linear(x, w, b))
        using (var loss = Sum(y))
            loss.Backward();
        Assert.That(x.Grad, Is.Null);
        Assert.That(b.Grad, Is.Null);
        // d(Σ y)/dW[o, i] = Σₙ x[n, i]
        var xs = x.ToArray();
        var expected = new float[6];
        for (int o = 0; o < 2; o++)
            for (int i = 0; i < 3; i++)
                for (int n = 0; n < 4; n++) expected[o * 3 + i] += xs[n * 3 + i];
        Assert.That(w.Grad!.ToArray(), Is.EqualTo(expected).Within(1e-5f));
    }

    [Test]
    public void EmptyBatchGivesEmptyOutputAndZeroWeightGradient()
    {
        using var x = GradCheck.Input([0, 3], 23);
        using var w = GradCheck.Input([2, 3], 24);
        using var b = GradCheck.Input([2], 25);
        using (var y = Linear(x, w, b))
        {
            Assert.That(y.Shape, Is.EqualTo(new[] { 0, 2 }));
            using var loss = Sum(y);
            loss.Backward();
        }
        Assert.That(w.Grad!.ToArray(), Is.EqualTo(new float[6]));
        Assert.That(b.Grad!.ToArray(), Is.EqualTo(new float[2]));
    }

    [Test]
    public void ShapeErrorsNameTheOpAndShapes()
    {
        using var a = Tensor.Zeros([2, 3]);
        using var b = Tensor.Zeros([4, 2]);
        using var v = Tensor.Zeros([3]);
        Assert.That(() => Matmul(a, b), Throws.ArgumentException.With.Message.Contains("matmul").And.Message.Contains("[2, 3]").And.Message.Contains("[4, 2]"));
        Assert.That(() => Matmul(a, v), Throws.ArgumentException.With.Message.Contains("matmul").And.Message.Contains("[3]"));

        using var x = Tensor.Zeros([5, 3]);
        using var w = Tensor.Zeros([4, 2]);
        using var w3 = Tensor.Zeros([4, 3]);
        using var badBias = Tensor.Zeros([3]);
        using var x3d = Tensor.Zeros([5, 1, 3]);
        Assert.That(() => Linear(x, w), Throws.ArgumentException.With.Message.Contains("linear").And.Message.Contains("[5, 3]").And.Message.Contains("[4, 2]"));
        Assert.That(() => Linear(x, w3, badBias), Throws.ArgumentException.With.Message.Contains("linear").And.Message.Contains("bias [3]"));
        Assert.That(() => Linear(x3d, w3), Throws.ArgumentException.With.Message.Contains("linear").And.Message.Contains("[5, 1, 3]"));
    }

    /// <summary>Checks got (M, N) against Σₖ op(a)[i, k]·op(b)[k, j] (+ bias[j]) in float64.</summary>
    static void AssertProduct(float[] got, float[] a, bool transA, float[] b, bool transB, int m, int n, int k, float[]? bias)
    {
        const double u = 1.0 / (1 << 24);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = bias?[j] ?? 0, magnitude = Math.Abs(sum);
                for (int p = 0; p < k; p++)
                {
                    double t = (double)(transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
                    sum += t;
                    magnitude += Math.Abs(t);
                }
                double tolerance = (k + 3) * u * magnitude + 1e-30;
                if (!(Math.Abs(got[i * n + j] - sum) <= tolerance))
                    Assert.Fail($"element [{i}, {j}] = {got[i * n + j]}, expected {sum} ± {tolerance:G3}");
            }
    }
}
