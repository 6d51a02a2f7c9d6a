using DafL.Memory;
using DafL.Random;
using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests;

public class ElementwiseTests
{
    static readonly (int[] A, int[] B)[] BroadcastPairs =
    [
        ([2, 3, 4, 5], [2, 3, 4, 5]),
        ([2, 3, 4, 5], [3, 1, 1]),
        ([2, 3, 4, 5], [1, 3, 1, 1]),
        ([2, 3, 4, 5], []),
        ([2, 3, 4, 5], [1]),
        ([2, 3, 4, 5], [5]),
        ([3, 1, 1], [2, 3, 4, 5]),
        ([4, 1], [3]),
        ([2, 1, 4, 1], [1, 3, 1, 5]),
        ([2, 3, 4, 5], [1, 3, 1, 5]),
        ([7, 33], [7, 1]),
        ([1], []),
    ];

    static IEnumerable<TestCaseData> Pairs() =>
        BroadcastPairs.Select(p => new TestCaseData(p.A, p.B).SetArgDisplayNames(Tensor.ShapeString(p.A), Tensor.ShapeString(p.B)));

    [Test]
    public void SameShapeOpsMatchDefinition()
    {
        using var a = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        using var b = Tensor.FromArray([10f, 20f, 30f, 40f], 2, 2);
        using var sum = Add(a, b);
        using var diff = Sub(a, b);
        using var prod = Mul(a, b);
        Assert.That(sum.ToArray(), Is.EqualTo(new[] { 11f, 22f, 33f, 44f }));
        Assert.That(diff.ToArray(), Is.EqualTo(new[] { -9f, -18f, -27f, -36f }));
        Assert.That(prod.ToArray(), Is.EqualTo(new[] { 10f, 40f, 90f, 160f }));
    }

    [TestCaseSource(nameof(Pairs))]
    public void BroadcastMatchesNaiveLoop(int[] shapeA, int[] shapeB)
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.Randn(shapeA, new Philox(1));
        var b = Tensor.Randn(shapeB, new Philox(2));
        var (outShape, ia, ib) = NaiveBroadcast(shapeA, shapeB);
        float[] av = a.ToArray(), bv = b.ToArray();
        foreach (var (op, f) in new (Func<Tensor, Tensor, Tensor>, Func<float, float, float>)[]
                 { (Add, (x, y) => x + y), (Sub, (x, y) => x - y), (Mul, (x, y) => x * y) })
        {
            var y = op(a, b);
            Assert.That(y.Shape, Is.EqualTo(outShape));
            var expected = ia.Select((_, i) => f(av[ia[i]], bv[ib[i]])).ToArray();
            Assert.That(y.ToArray(), Is.EqualTo(expected));
        }
    }

    [TestCaseSource(nameof(Pairs))]
    public void BroadcastGradientSumsOverBroadcastDims(int[] shapeA, int[] shapeB)
    {
        using var a = GradCheck.Input(shapeA, 3);
        using var b = GradCheck.Input(shapeB, 4);
        var (outShape, ia, ib) = NaiveBroadcast(shapeA, shapeB);
        using (var scope = TensorScope.Begin())
        {
            var y = Mul(a, b);
            var g = Tensor.Randn(outShape, new Philox(5));
            y.Backward(g);
            float[] gv = g.ToArray(), av = a.ToArray(), bv = b.ToArray();
            var expectA = new double[a.Numel];
            var expectB = new double[b.Numel];
            for (int i = 0; i < ia.Length; i++)
            {
                expectA[ia[i]] += (double)gv[i] * bv[ib[i]];
                expectB[ib[i]] += (double)gv[i] * av[ia[i]];
            }
            Assert.That(a.Grad!.ToArray(), Is.EqualTo(expectA.Select(v => (float)v)).Within(1e-5f));
            Assert.That(b.Grad!.ToArray(), Is.EqualTo(expectB.Select(v => (float)v)).Within(1e-5f));
        }
    }

    [Test]
    public void ChannelBiasGradientCountsEveryPosition()
    {
        using var x = GradCheck.Input([2, 3, 4, 5], 6);
        using var bias = GradCheck.Input([3, 1, 1], 7);
        using (var scope = TensorScope.Begin())
        {
            var y = x + bias;
            Sum(y).Backward();
        }
        Assert.That(bias.Grad!.ToArray(), Is.EqualTo(new[] { 40f, 40f, 40f }));
        Assert.That(x.Grad!.ToArray(), Is.All.EqualTo(1f));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public void BroadcastGradCheck(int op)
    {
        Func<Tensor, Tensor, Tensor> f = op switch { 0 => Add, 1 => Sub, _ => Mul };
        foreach (var (sa, sb) in new (int[], int[])[] { ([2, 3, 4, 5], [3, 1, 1]), ([4, 1], [3]), ([2, 3], []), ([3, 17], [3, 17]) })
        {
            using var a = GradCheck.Input(sa, 8);
            using var b = GradCheck.Input(sb, 9);
            GradCheck.Check(i => f(i[0], i[1]), [a, b]);
        }
    }

    [Test]
    public void SameTensorOnBothSidesGetsBothGradients()
    {
        using var x = GradCheck.Input([5], 10);
        using (var scope = TensorScope.Begin())
        {
            Sum(Mul(x, x)).Backward();
        }
        var expected = x.ToArray().Select(v => 2 * v).ToArray();
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(expected).Within(1e-6f));
    }

    [Test]
    public void IncompatibleShapesAreRejectedWithTheOpAndShapes()
    {
        using var a = Tensor.Zeros([2, 3]);
        using var b = Tensor.Zeros([4]);
        using var c = Tensor.Zeros([3, 2]);
        var e1 = Assert.Throws<ArgumentException>(() => Add(a, b));
        Assert.That(e1!.Message, Does.Contain("add").And.Contain("[2, 3]").And.Contain("[4]"));
        var e2 = Assert.Throws<ArgumentException>(() => Mul(a, c));
        Assert.That(e2!.Message, Does.Contain("mul").And.Contain("[3, 2]"));
        Assert.Throws<ArgumentException>(() => Sub(c, a));
    }

    [Test]
    public void NonContiguousInputsAreRead()
    {
        using var scope = TensorScope.Begin();
        var m = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var row = Tensor.FromArray([10f, 20f], 2);
        var y = Add(m.T(), row); // (3, 2) + (2)
        Assert.That(y.ToArray(), Is.EqualTo(new[] { 11f, 24f, 12f, 25f, 13f, 26f }));
    }

    [Test]
    public void ScalarOpsAndOperatorsMatchDefinition()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.FromArray([1f, -2f, 3f], 3);
        var b = Tensor.FromArray([0.5f, 4f, -1f], 3);
        Assert.That(Scale(a, 2f).ToArray(), Is.EqualTo(new[] { 2f, -4f, 6f }));
        Assert.That(AddScalar(a, 0.5f).ToArray(), Is.EqualTo(new[] { 1.5f, -1.5f, 3.5f }));
        Assert.That(Neg(a).ToArray(), Is.EqualTo(new[] { -1f, 2f, -3f }));
        Assert.That((a + b).ToArray(), Is.EqualTo(new[] { 1.5f, 2f, 2f }));
        Assert.That((a - b).ToArray(), Is.EqualTo(new[] { 0.5f, -6f, 4f }));
        Assert.That((a * b).ToArray(), Is.EqualTo(new[] { 0.5f, -8f, -3f }));
        Assert.That((a * 3f).ToArray(), Is.EqualTo(new[] { 3f, -6f, 9f }));
        Assert.That((3f * a).ToArray(), Is.EqualTo(new[] { 3f, -6f, 9f }));
        Assert.That((-a).ToArray(), Is.EqualTo(new[] { -1f, 2f, -3f }));
    }

    [Test]
    public void ScalarOpsGradCheck()
    {
        using var x = GradCheck.Input([3, 19], 11);
        GradCheck.Check(i => Scale(i[0], -1.5f), [x]);
        GradCheck.Check(i => AddScalar(i[0], 2f), [x]);
        GradCheck.Check(i => Neg(i[0]), [x]);
        GradCheck.Check(i => i[0] * 2f - i[0] * i[0], [x]);
    }

    [Test]
    public void UnaryOpsMatchDoublePrecision()
    {
        // 1000 elements: the vector loops and the scalar tail both run.
        using var scope = TensorScope.Begin();
        var wide = Tensor.Rand([1000], new Philox(12));
        var args = wide.ToArray().Select(u => u * 160f - 80f).ToArray();
        var positive = args.Select(v => MathF.Exp(v)).ToArray(); // spans about 1e-35 .. 5e34
        var x = Tensor.FromArray(args, 1000);
        var p = Tensor.FromArray(positive, 1000);
        AssertClose(Exp(x).ToArray(), args.Select(v => Math.Exp(v)), 1.2e-7, 0); // within 1 ulp
        AssertClose(Log(p).ToArray(), positive.Select(v => Math.Log(v)), 2e-7, 1e-7);
        AssertClose(Log10(p).ToArray(), positive.Select(v => Math.Log10(v)), 3e-7, 1e-7);
        AssertClose(Abs(x).ToArray(), args.Select(v => (double)Math.Abs(v)), 0, 0);
    }

    [Test]
    public void UnaryEdgeValuesFollowIeee()
    {
        // Three copies of nine edge values (27): 16 go through the Vector512 loop, 8 through Vector256, 3 through the tail.
        using var scope = TensorScope.Begin();
        float[] edge = [0f, -1f, float.PositiveInfinity, float.NaN, float.NegativeInfinity, 100f, -100f, 88.5f, 1f];
        var values = Enumerable.Repeat(edge, 3).SelectMany(v => v).ToArray();
        var x = Tensor.FromArray(values, values.Length);
        AssertClose(Exp(x).ToArray(), values.Select(v => Math.Exp(v)), 1.2e-7, 1.5e-45); // e^-100 is subnormal
        AssertClose(Log(x).ToArray(), values.Select(v => Math.Log(v)), 1.2e-7, 0);
        Assert.That(Exp(x).ToArray()[0], Is.EqualTo(1f)); // e^0 exactly
    }

    [Test]
    public void UnaryGradCheck()
    {
        using var x = GradCheck.Input([4, 21], 13, minAbs: 0.1f);
        using var p = PositiveInput([4, 21], 14);
        GradCheck.Check(i => Abs(i[0]), [x], h: 1e-3);
        GradCheck.Check(i => Exp(i[0]), [x], h: 1e-3);
        GradCheck.Check(i => Log(i[0]), [p], h: 1e-3);
        GradCheck.Check(i => Log10(i[0]), [p], h: 1e-3);
    }

    [Test]
    public void AbsGradientIsZeroAtZero()
    {
        using var x = Tensor.FromArray([-2f, 0f, 3f], 3);
        x.RequiresGrad = true;
        using (var scope = TensorScope.Begin()) Sum(Abs(x)).Backward();
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(new[] { -1f, 0f, 1f }));
    }

    [Test]
    public void ForwardAndBackwardReturnEveryBuffer()
    {
        long buffers = BufferPool.LiveBuffers, tensors = Tensor.LiveTensors;
        using (var a = GradCheck.Input([2, 3, 4, 5], 15, minAbs: 0.1f))
        using (var b = GradCheck.Input([3, 1, 1], 16))
        {
            using (var scope = TensorScope.Begin())
            {
                var y = Log(Abs(a * b - b) + Exp(-a)) * 0.5f;
                Sum(Log10(AddScalar(Abs(y), 1f))).Backward();
            }
            Assert.That(a.Grad, Is.Not.Null);
            Assert.That(b.Grad, Is.Not.Null);
        }
        Assert.That(BufferPool.LiveBuffers, Is.EqualTo(buffers));
        Assert.That(Tensor.LiveTensors, Is.EqualTo(tensors));
    }

    /// <summary>The broadcast output shape and, per output element, the flat index it reads in a and in b.</summary>
    static (int[] Shape, int[] IndexA, int[] IndexB) NaiveBroadcast(int[] sa, int[] sb)
    {
        int rank = Math.Max(sa.Length, sb.Length);
        int[] pa = [.. Enumerable.Repeat(1, rank - sa.Length), .. sa];
        int[] pb = [.. Enumerable.Repeat(1, rank - sb.Length), .. sb];
        var shape = pa.Zip(pb, Math.Max).ToArray();
        int n = shape.Aggregate(1, (x, y) => x * y);
        int[] ia = new int[n], ib = new int[n];
        for (int flat = 0; flat < n; flat++)
        {
            int rest = flat, offA = 0, offB = 0, strideA = 1, strideB = 1;
            for (int d = rank - 1; d >= 0; d--)
            {
                int i = rest % shape[d];
                rest /= shape[d];
                if (pa[d] > 1) offA += i * strideA;
                if (pb[d] > 1) offB += i * strideB;
                strideA *= pa[d];
                strideB *= pb[d];
            }
            ia[flat] = offA;
            ib[flat] = offB;
        }
        return (shape, ia, ib);
    }

    /// <summary>A leaf in [0.5, ~3] that requires grad, for ops defined on positive numbers.</summary>
    static Tensor PositiveInput(int[] shape, ulong seed)
    {
        var t = GradCheck.Input(shape, seed);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = MathF.Abs(s[i]) + 0.5f;
        return t;
    }

    static void AssertClose(float[] actual, IEnumerable<double> expected, double rtol, double atol)
    {
        int i = 0;
        foreach (var e in expected)
        {
            // float32 overflows where float64 does not: compare with the float64 value rounded to float32.
            double f = (float)e;
            if (double.IsFinite(f)) Assert.That((double)actual[i], Is.EqualTo(f).Within(rtol * Math.Abs(f) + atol), $"element {i}");
            else Assert.That(actual[i], Is.EqualTo((float)f), $"element {i}");
            i++;
        }
    }
}
