using DafL.Memory;
using DafL.Random;
using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests;

public class ReduceTests
{
    [Test]
    public void SumAndMeanOfAllElements()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var s = Sum(x);
        var m = Mean(x);
        Assert.That(s.Shape, Is.Empty);
        Assert.That(s.Item(), Is.EqualTo(21f));
        Assert.That(m.Item(), Is.EqualTo(3.5f));
    }

    [Test]
    public void SumOfAMillionElementsIsAccurate()
    {
        using var scope = TensorScope.Begin();
        // 0.1f a million times: a float32 running sum ends near 100958; the exact sum of the stored values is below.
        var tenths = Tensor.Full([1000, 1000], 0.1f);
        double exact = 1e6 * (double)0.1f;
        Assert.That((double)Sum(tenths).Item(), Is.EqualTo(exact).Within(1e-6 * exact));

        var u = Tensor.Rand([1_000_003], new Philox(1)); // odd length: vector loop and scalar tail
        double reference = u.ToArray().Sum(v => (double)v);
        Assert.That((double)Sum(u).Item(), Is.EqualTo(reference).Within(1e-6 * reference));
        Assert.That((double)Mean(u).Item(), Is.EqualTo(reference / 1_000_003).Within(1e-6 * reference / 1_000_003));
    }

    static IEnumerable<TestCaseData> DimCases()
    {
        foreach (var shape in new[] { new[] { 2, 3, 4, 5 }, new[] { 3, 1100 }, new[] { 70, 3 } })
            for (int dim = -shape.Length; dim < shape.Length; dim++)
                foreach (var keep in new[] { false, true })
                    yield return new TestCaseData(shape, dim, keep).SetArgDisplayNames(Tensor.ShapeString(shape), dim.ToString(), keep.ToString());
    }

    [TestCaseSource(nameof(DimCases))]
    public void SumAndMeanAlongADimMatchNaiveLoop(int[] shape, int dim, bool keepDim)
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.Randn(shape, new Philox(2));
        var (expected, expectedShape) = NaiveSum(x.ToArray(), shape, dim < 0 ? dim + shape.Length : dim, keepDim);
        var s = Sum(x, dim, keepDim);
        var m = Mean(x, dim, keepDim);
        int count = shape[dim < 0 ? dim + shape.Length : dim];
        Assert.That(s.Shape, Is.EqualTo(expectedShape));
        Assert.That(m.Shape, Is.EqualTo(expectedShape));
        Assert.That(s.ToArray(), Is.EqualTo(expected.Select(v => (float)v)).Within(1e-5f));
        Assert.That(m.ToArray(), Is.EqualTo(expected.Select(v => (float)(v / count))).Within(1e-6f));
    }

    [Test]
    public void SumGradientBroadcastsBack()
    {
        using var x = GradCheck.Input([2, 3, 4], 3);
        using (var scope = TensorScope.Begin())
        {
            var g = Tensor.Randn([2, 4], new Philox(4));
            Sum(x, 1).Backward(g);
            var gv = g.ToArray();
            var expected = new float[24];
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 3; b++)
                    for (int c = 0; c < 4; c++) expected[(a * 3 + b) * 4 + c] = gv[a * 4 + c];
            Assert.That(x.Grad!.ToArray(), Is.EqualTo(expected));
        }
        x.ZeroGrad();
        using (var scope = TensorScope.Begin()) Mean(x).Backward();
        Assert.That(x.Grad!.ToArray(), Is.All.EqualTo(1f / 24));
    }

    [Test]
    public void ReduceGradCheck()
    {
        using var x = GradCheck.Input([3, 4, 5], 5);
        GradCheck.Check(i => Sum(i[0]), [x]);
        GradCheck.Check(i => Sum(i[0], 1), [x]);
        GradCheck.Check(i => Mean(i[0]), [x]);
        GradCheck.Check(i => Mean(i[0], -1, keepDim: true), [x]);
        GradCheck.Check(i => Mean(i[0], 0), [x]);
    }

    [Test]
    public void EmptyTensorsReduceLikePyTorch()
    {
        using var scope = TensorScope.Begin();
        var empty = Tensor.Zeros([0, 3]);
        Assert.That(Sum(empty).Item(), Is.EqualTo(0f));
        Assert.That(Mean(empty).Item(), Is.NaN);
        Assert.That(Sum(empty, 0).ToArray(), Is.EqualTo(new[] { 0f, 0f, 0f }));
    }

    [Test]
    public void ArgmaxTakesTheFirstMaximum()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1f, 3f, 3f, 5f, -1f, 5f], 2, 3);
        Assert.That(Argmax(x, 1).ToArray(), Is.EqualTo(new[] { 1f, 0f }));
        Assert.That(Argmax(x, -1).Shape, Is.EqualTo(new[] { 2 }));
        Assert.That(Argmax(x, 0).ToArray(), Is.EqualTo(new[] { 1f, 0f, 1f }));
    }

    [Test]
    public void ArgmaxPicksTheFirstNaN()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1f, float.NaN, 3f, float.NaN, 2f, 7f], 6);
        Assert.That(Argmax(x, 0).Item(), Is.EqualTo(1f));
    }

    [Test]
    public void ArgmaxAlongAMiddleDimMatchesNaiveLoop()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.Randn([3, 7, 5], new Philox(6));
        var v = x.ToArray();
        var expected = new float[15];
        for (int a = 0; a < 3; a++)
            for (int c = 0; c < 5; c++)
            {
                int best = 0;
                for (int b = 1; b < 7; b++)
                    if (v[(a * 7 + b) * 5 + c] > v[(a * 7 + best) * 5 + c]) best = b;
                expected[a * 5 + c] = best;
            }
        var y = Argmax(x, 1);
        Assert.That(y.Shape, Is.EqualTo(new[] { 3, 5 }));
        Assert.That(y.ToArray(), Is.EqualTo(expected));
        Assert.That(y.RequiresGrad, Is.False);
    }

    [Test]
    public void BadDimsAreRejectedWithTheOpAndShape()
    {
        using var x = Tensor.Zeros([2, 3]);
        using var scalar = Tensor.Scalar(1f);
        using var empty = Tensor.Empty([2, 0]);
        var e = Assert.Throws<ArgumentException>(() => Sum(x, 2));
        Assert.That(e!.Message, Does.Contain("sum").And.Contain("[2, 3]"));
        Assert.That(Assert.Throws<ArgumentException>(() => Mean(x, -3))!.Message, Does.Contain("mean"));
        Assert.That(Assert.Throws<ArgumentException>(() => Argmax(scalar, 0))!.Message, Does.Contain("argmax"));
        Assert.That(Assert.Throws<ArgumentException>(() => Argmax(empty, 1))!.Message, Does.Contain("empty"));
    }

    [Test]
    public void ForwardAndBackwardReturnEveryBuffer()
    {
        long buffers = BufferPool.LiveBuffers, tensors = Tensor.LiveTensors;
        using (var x = GradCheck.Input([4, 5, 6], 7))
        {
            using (var scope = TensorScope.Begin())
            {
                var y = Sum(x, 1, keepDim: true) * Mean(x, -1, keepDim: true);
                using var idx = Argmax(x, 2);
                Mean(Sum(y, 0)).Backward();
            }
            Assert.That(x.Grad, Is.Not.Null);
        }
        Assert.That(BufferPool.LiveBuffers, Is.EqualTo(buffers));
        Assert.That(Tensor.LiveTensors, Is.EqualTo(tensors));
    }

    /// <summary>Σ along <paramref name="dim"/> in float64 with plain loops, and the shape it should have.</summary>
    static (double[] Values, int[] Shape) NaiveSum(float[] x, int[] shape, int dim, bool keepDim)
    {
        int outer = shape[..dim].Aggregate(1, (a, b) => a * b);
        int inner = shape[(dim + 1)..].Aggregate(1, (a, b) => a * b);
        int size = shape[dim];
        var result = new double[outer * inner];
        for (int o = 0; o < outer; o++)
            for (int r = 0; r < size; r++)
                for (int i = 0; i < inner; i++) result[o * inner + i] += x[(o * size + r) * inner + i];
        int[] outShape = keepDim ? shape.Select((s, d) => d == dim ? 1 : s).ToArray() : [.. shape[..dim], .. shape[(dim + 1)..]];
        return (result, outShape);
    }
}
