using DafL.Memory;
using DafL.Random;
using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests;

public class PoolTests : LeakCheckedTest
{
    // ------------------------------------------------------------------ naive references over (N·C, H, W) planes

    static int OutSize(int size, int kernel, int stride) => (size - kernel) / stride + 1;

    /// <summary>Max pooling and the in-plane position of each (first) maximum.</summary>
    static (float[] Y, int[] Index) ReferenceMaxPool(float[] x, int[] shape, int kernel, int stride)
    {
        int planes = shape[0] * shape[1], h = shape[2], w = shape[3], oh = OutSize(h, kernel, stride), ow = OutSize(w, kernel, stride);
        var y = new float[planes * oh * ow];
        var index = new int[y.Length];
        for (int p = 0; p < planes; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    float best = float.NegativeInfinity;
                    int at = -1;
                    for (int ky = 0; ky < kernel; ky++)
                        for (int kx = 0; kx < kernel; kx++)
                        {
                            int pos = (oy * stride + ky) * w + ox * stride + kx;
                            if (at < 0 || x[p * h * w + pos] > best) (best, at) = (x[p * h * w + pos], pos);
                        }
                    y[(p * oh + oy) * ow + ox] = best;
                    index[(p * oh + oy) * ow + ox] = at;
                }
        return (y, index);
    }

    static float[] ReferenceMaxPoolBackward(float[] gy, int[] index, int[] shape, int outPlane)
    {
        int plane = shape[2] * shape[3];
        var gx = new float[shape[0] * shape[1] * plane];
        for (int j = 0; j < gy.Length; j++) gx[j / outPlane * plane + index[j]] += gy[j];
        return gx;
    }

    static float[] ReferenceAvgPool(float[] x, int[] shape, int kernel, int stride)
    {
        int planes = shape[0] * shape[1], h = shape[2], w = shape[3], oh = OutSize(h, kernel, stride), ow = OutSize(w, kernel, stride);
        var y = new float[planes * oh * ow];
        for (int p = 0; p < planes; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    double sum = 0;
                    for (int ky = 0; ky < kernel; ky++)
                        for (int kx = 0; kx < kernel; kx++) sum += x[p * h * w + (oy * stride + ky) * w + ox * stride + kx];
                    y[(p * oh + oy) * ow + ox] = (float)(sum / (kernel * kernel));
                }
        return y;
    }

    static float[] ReferenceAvgPoolBackward(float[] gy, int[] shape, int kernel, int stride)
    {
        int planes = shape[0] * shape[1], h = shape[2], w = shape[3], oh = OutSize(h, kernel, stride), ow = OutSize(w, kernel, stride);
        var gx = new float[planes * h * w];
        for (int p = 0; p < planes; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    for (int ky = 0; ky < kernel; ky++)
                        for (int kx = 0; kx < kernel; kx++)
                            gx[p * h * w + (oy * stride + ky) * w + ox * stride + kx] += gy[(p * oh + oy) * ow + ox] / (kernel * kernel);
        return gx;
    }

    static float[] ReferenceUpsample(float[] x, int[] shape, int scale)
    {
        int planes = shape[0] * shape[1], h = shape[2], w = shape[3], oh = h * scale, ow = w * scale;
        var y = new float[planes * oh * ow];
        for (int p = 0; p < planes; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) y[(p * oh + oy) * ow + ox] = x[(p * h + oy / scale) * w + ox / scale];
        return y;
    }

    static float[] ReferenceUpsampleBackward(float[] gy, int[] shape, int scale)
    {
        int planes = shape[0] * shape[1], h = shape[2], w = shape[3], oh = h * scale, ow = w * scale;
        var gx = new float[planes * h * w];
        for (int p = 0; p < planes; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) gx[(p * h + oy / scale) * w + ox / scale] += gy[(p * oh + oy) * ow + ox];
        return gx;
    }

    static float[] Normal(int count, ulong seed)
    {
        using var t = Tensor.Randn([count], new Philox(seed));
        return t.ToArray();
    }

    /// <summary>
    /// A leaf whose values are 0.1 × a shuffled 0..n−1: no two are closer than 0.1, so a finite-difference step of
    /// 1e-2 never changes which element of a window is the maximum.
    /// </summary>
    static Tensor DistinctInput(int[] shape, int seed)
    {
        var t = GradCheck.Input(shape, (ulong)seed);
        var values = Enumerable.Range(0, (int)t.Numel).Select(i => 0.1f * i - 0.05f * t.Numel).ToArray();
        new System.Random(seed).Shuffle(values);
        values.CopyTo(t.Span);
        return t;
    }

    /// <summary>Runs op forward and backward with gradient gy; returns (y, gx) as arrays.</summary>
    static (float[] Y, float[] Gx) ForwardBackward(Func<Tensor, Tensor> op, float[] xs, int[] shape, ulong gySeed)
    {
        using var x = Tensor.FromArray(xs, shape);
        x.RequiresGrad = true;
        using var y = op(x);
        using (var gy = Tensor.Randn(y.Shape, new Philox(gySeed))) y.Backward(gy);
        return (y.ToArray(), x.Grad!.ToArray());
    }

    static float[] Gradient(int[] outShape, ulong seed)
    {
        using var gy = Tensor.Randn(outShape, new Philox(seed));
        return gy.ToArray();
    }

    // ------------------------------------------------------------------ max pool

    [Test]
    public void MaxPoolMatchesHandValues()
    {
        using var x = Tensor.FromArray([
            1f, 5f, 2f, 0f,
            3f, 4f, 8f, 7f,
            -1f, -2f, 6f, 6f,
            -3f, -4f, 6f, 9f], 1, 1, 4, 4);
        x.RequiresGrad = true;
        using var y = MaxPool2d(x, 2, 2);
        Assert.That(y.Shape, Is.EqualTo(new[] { 1, 1, 2, 2 }));
        Assert.That(y.ToArray(), Is.EqualTo(new[] { 5f, 8f, -1f, 9f }));
        using (var gy = Tensor.FromArray([10f, 20f, 30f, 40f], 1, 1, 2, 2)) y.Backward(gy);
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(new[] {
            0f, 10f, 0f, 0f,
            0f, 0f, 20f, 0f,
            30f, 0f, 0f, 0f,
            0f, 0f, 0f, 40f }));
    }

    [Test]
    public void MaxPoolTiesGoToTheFirstMaximum()
    {
        // PyTorch keeps the first maximum in row-major window order: all of a window's gradient goes there.
        using var x = Tensor.FromArray([
            2f, 2f, 0f, 1f, 1f,
            2f, 2f, 1f, 1f, 1f,
            7f, 3f, 7f, 5f, 5f], 1, 1, 3, 5);
        x.RequiresGrad = true;
        using var y2 = MaxPool2d(x, 2, 2);      // fast path: windows at rows 0–1, columns 0–1 and 2–3
        using var y3 = MaxPool2d(x, 3, 1);      // generic path, overlapping windows
        using var sum = Tensor.FromArray([1f, 1f], 1, 1, 1, 2);
        y2.Backward(sum);
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(new[] {
            1f, 0f, 0f, 1f, 0f,
            0f, 0f, 0f, 0f, 0f,
            0f, 0f, 0f, 0f, 0f }));
        x.ZeroGrad();
        using var ones = Tensor.Ones(y3.Shape);
        y3.Backward(ones);
        Assert.That(y3.ToArray(), Is.EqualTo(new[] { 7f, 7f, 7f }));
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(new[] {
            0f, 0f, 0f, 0f, 0f,
            0f, 0f, 0f, 0f, 0f,
            1f, 0f, 2f, 0f, 0f }));
    }

    [Test]
    public void MaxPoolPropagatesNaN()
    {
        using var x = Tensor.FromArray([1f, float.NaN, 3f, 2f], 1, 1, 2, 2);
        using var y = MaxPool2d(x, 2, 2);
        Assert.That(float.IsNaN(y.Item()), Is.True);
    }

    [Test]
    public void MaxPoolVectorLoopsKeepTheTieAndNaNRules()
    {
        // 24 outputs in one row (16-wide then 8-wide loop); all values tie except two NaNs, at (1, 5) and (0, 37).
        var xs = Enumerable.Repeat(1f, 96).ToArray();
        xs[48 + 5] = float.NaN;
        xs[37] = float.NaN;
        using var x = Tensor.FromArray(xs, 1, 1, 2, 48);
        x.RequiresGrad = true;
        using var y = MaxPool2d(x, 2, 2);
        var ys = y.ToArray();
        Assert.That(Enumerable.Range(0, 24).Where(i => float.IsNaN(ys[i])), Is.EqualTo(new[] { 2, 18 }));
        using (var ones = Tensor.Ones(y.Shape)) y.Backward(ones);
        var expected = new float[96];
        for (int ox = 0; ox < 24; ox++) expected[2 * ox] = 1f; // ties: the window's top-left element
        (expected[4], expected[48 + 5]) = (0f, 1f);
        (expected[36], expected[37]) = (0f, 1f);
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(expected));
    }

    [TestCase(2, 2, new[] { 2, 32, 32, 32 })] // LeNet's pool, many planes split across tasks
    [TestCase(2, 2, new[] { 2, 3, 7, 9 })]    // odd sizes: the last row and column are dropped (floor mode)
    [TestCase(2, 2, new[] { 1, 2, 5, 55 })]   // 27 outputs a row: the 16-wide, 8-wide and scalar loops all run
    [TestCase(3, 2, new[] { 2, 3, 9, 11 })]   // overlapping windows
    [TestCase(3, 3, new[] { 1, 2, 7, 6 })]
    [TestCase(2, 1, new[] { 1, 2, 5, 5 })]
    public void MaxPoolMatchesReference(int kernel, int stride, int[] shape)
    {
        var xs = Normal(shape[0] * shape[1] * shape[2] * shape[3], (ulong)(kernel * 100 + stride));
        var (y, gx) = ForwardBackward(x => MaxPool2d(x, kernel, stride), xs, shape, 5);
        var (yRef, index) = ReferenceMaxPool(xs, shape, kernel, stride);
        int outPlane = OutSize(shape[2], kernel, stride) * OutSize(shape[3], kernel, stride);
        var gy = Gradient([shape[0], shape[1], OutSize(shape[2], kernel, stride), OutSize(shape[3], kernel, stride)], 5);
        Assert.That(y, Is.EqualTo(yRef));
        Assert.That(gx, Is.EqualTo(ReferenceMaxPoolBackward(gy, index, shape, outPlane)).Within(1e-6f));
    }

    [Test]
    public void MaxPoolGradCheck()
    {
        using var x = DistinctInput([2, 2, 6, 7], 1);
        GradCheck.Check(i => MaxPool2d(i[0], 2, 2), [x], h: 1e-2);
        using var overlapping = DistinctInput([1, 2, 7, 7], 2);
        GradCheck.Check(i => MaxPool2d(i[0], 3, 2), [overlapping], h: 1e-2);
    }

    [Test]
    public void MaxPoolIndicesAreFreedWithAnOutputNeverRunBackward()
    {
        using var x = GradCheck.Input([1, 1, 4, 4], 3);
        long before = Tensor.LiveTensors;
        var y = MaxPool2d(x, 2, 2);
        Assert.That(Tensor.LiveTensors, Is.EqualTo(before + 2), "output and the node's argmax indices");
        y.Dispose();
        Assert.That(Tensor.LiveTensors, Is.EqualTo(before));
    }

    // ------------------------------------------------------------------ average pool

    [Test]
    public void AvgPoolMatchesHandValues()
    {
        using var x = Tensor.FromArray([
            1f, 2f, 3f, 4f,
            5f, 6f, 7f, 8f,
            9f, 10f, 11f, 12f,
            13f, 14f, 15f, 16f], 1, 1, 4, 4);
        x.RequiresGrad = true;
        using var y = AvgPool2d(x, 2, 2);
        Assert.That(y.ToArray(), Is.EqualTo(new[] { 3.5f, 5.5f, 11.5f, 13.5f }));
        using var whole = AvgPool2d(x, 4, 4); // ResNet's head
        Assert.That(whole.ToArray(), Is.EqualTo(new[] { 8.5f }));
        using (var gy = Tensor.FromArray([4f], 1, 1, 1, 1)) whole.Backward(gy);
        Assert.That(x.Grad!.ToArray(), Is.All.EqualTo(0.25f));
    }

    [TestCase(2, 2, new[] { 2, 32, 32, 32 })] // fast path, many planes
    [TestCase(2, 2, new[] { 2, 3, 7, 9 })]
    [TestCase(4, 4, new[] { 8, 64, 4, 4 })]   // ResNet's head: each 4×4 plane to one value
    [TestCase(4, 1, new[] { 2, 3, 4, 4 })]    // whole plane, stride irrelevant
    [TestCase(3, 1, new[] { 2, 3, 6, 5 })]    // overlapping windows
    [TestCase(3, 2, new[] { 1, 2, 9, 7 })]
    [TestCase(2, 3, new[] { 1, 2, 8, 8 })]    // stride > kernel leaves gaps with zero gradient
    public void AvgPoolMatchesReference(int kernel, int stride, int[] shape)
    {
        var xs = Normal(shape[0] * shape[1] * shape[2] * shape[3], (ulong)(kernel * 100 + stride + 7));
        var (y, gx) = ForwardBackward(x => AvgPool2d(x, kernel, stride), xs, shape, 6);
        var gy = Gradient([shape[0], shape[1], OutSize(shape[2], kernel, stride), OutSize(shape[3], kernel, stride)], 6);
        Assert.That(y, Is.EqualTo(ReferenceAvgPool(xs, shape, kernel, stride)).Within(1e-5f));
        Assert.That(gx, Is.EqualTo(ReferenceAvgPoolBackward(gy, shape, kernel, stride)).Within(1e-6f));
    }

    [Test]
    public void AvgPoolGradCheck()
    {
        using var x = GradCheck.Input([2, 2, 5, 6], 4);
        GradCheck.Check(i => AvgPool2d(i[0], 2, 2), [x], h: 1e-2);
        GradCheck.Check(i => AvgPool2d(i[0], 3, 2), [x], h: 1e-2);
        using var head = GradCheck.Input([2, 3, 4, 4], 5);
        GradCheck.Check(i => AvgPool2d(i[0], 4, 4), [head], h: 1e-2);
    }

    // ------------------------------------------------------------------ nearest upsampling

    [Test]
    public void UpsampleMatchesHandValues()
    {
        using var x = Tensor.FromArray([1f, 2f, 3f, 4f], 1, 1, 2, 2);
        x.RequiresGrad = true;
        using var y = UpsampleNearest(x);
        Assert.That(y.ToArray(), Is.EqualTo(new[] {
            1f, 1f, 2f, 2f,
            1f, 1f, 2f, 2f,
            3f, 3f, 4f, 4f,
            3f, 3f, 4f, 4f }));
        using (var gy = Tensor.FromArray(Enumerable.Range(0, 16).Select(i => (float)i).ToArray(), 1, 1, 4, 4)) y.Backward(gy);
        // Each input collects its 2×2 block: 0+1+4+5, 2+3+6+7, 8+9+12+13, 10+11+14+15.
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(new[] { 10f, 18f, 42f, 50f }));
    }

    [TestCase(2, new[] { 2, 3, 5, 29 })]   // rows of 29: the 16-wide, 8-wide and scalar loops all run
    [TestCase(2, new[] { 2, 32, 16, 16 })] // the generator's 16×16 → 32×32, many planes split across tasks
    [TestCase(2, new[] { 1, 2, 7, 5 })]    // odd sizes are fine: no divisibility needed
    [TestCase(3, new[] { 2, 2, 3, 4 })]
    [TestCase(1, new[] { 1, 2, 3, 3 })]
    public void UpsampleMatchesReference(int scale, int[] shape)
    {
        var xs = Normal(shape[0] * shape[1] * shape[2] * shape[3], (ulong)(scale * 10 + shape[3]));
        var (y, gx) = ForwardBackward(x => UpsampleNearest(x, scale), xs, shape, 8);
        var gy = Gradient([shape[0], shape[1], shape[2] * scale, shape[3] * scale], 8);
        Assert.That(y, Is.EqualTo(ReferenceUpsample(xs, shape, scale)));
        Assert.That(gx, Is.EqualTo(ReferenceUpsampleBackward(gy, shape, scale)).Within(1e-5f));
    }

    [Test]
    public void UpsampleGradCheck()
    {
        using var x = GradCheck.Input([2, 2, 3, 5], 9);
        GradCheck.Check(i => UpsampleNearest(i[0]), [x], h: 1e-2);
        GradCheck.Check(i => UpsampleNearest(i[0], 3), [x], h: 1e-2);
    }

    // ------------------------------------------------------------------ bad input

    [Test]
    public void RejectsBadArguments()
    {
        using var x = Tensor.Zeros([1, 2, 3, 5]);
        using var rank3 = Tensor.Zeros([2, 4, 4]);

        Assert.That(() => MaxPool2d(rank3, 2, 2), Throws.ArgumentException.With.Message.Contains("MaxPool2d").And.Message.Contains("[2, 4, 4]"));
        Assert.That(() => AvgPool2d(rank3, 2, 2), Throws.ArgumentException.With.Message.Contains("AvgPool2d").And.Message.Contains("4-D"));
        Assert.That(() => UpsampleNearest(rank3), Throws.ArgumentException.With.Message.Contains("UpsampleNearest").And.Message.Contains("[2, 4, 4]"));

        Assert.That(() => MaxPool2d(x, 4, 1), Throws.ArgumentException.With.Message.Contains("larger").And.Message.Contains("[1, 2, 3, 5]"));
        Assert.That(() => AvgPool2d(x, 6, 6), Throws.ArgumentException.With.Message.Contains("larger"));
        Assert.That(() => MaxPool2d(x, 0, 1), Throws.ArgumentException.With.Message.Contains("positive"));
        Assert.That(() => AvgPool2d(x, 2, 0), Throws.ArgumentException.With.Message.Contains("positive"));
        Assert.That(() => UpsampleNearest(x, 0), Throws.ArgumentException.With.Message.Contains("scale"));

        // Never touched, so its pages are never committed: only the shape check runs.
        using var huge = Tensor.Empty([1, 1, 4097, 4097]);
        Assert.That(() => MaxPool2d(huge, 2, 2), Throws.ArgumentException.With.Message.Contains("2^24"));
    }
}
