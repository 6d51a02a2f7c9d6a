using DafL.Backends;

namespace DafL.Tests.CudaTests;

/// <summary>Matrix products, convolutions, batch norm, pooling and optimizer steps: CUDA against the CPU.</summary>
public sealed partial class CudaBackendParityTests
{
    /// <summary>cuBLAS and cuDNN add in their own order: a looser (still FP32) tolerance.</summary>
    const float LibraryTolerance = 3e-5f;

    // ---------------------------------------------------------------- linalg

    [Test]
    public void MatMulEveryTransposition([Values] bool transA, [Values] bool transB)
    {
        const int m = 19, k = 70, n = 33;
        var a = Input(transA ? [k, m] : [m, k], 70);
        var b2 = Input(transB ? [n, k] : [k, n], 71);
        var c = Output(m, n);
        Both((b, s) => b.MatMul(s(a), transA, s(b2), transB, s(c), 1f, 0f));
        Close(c, "beta 0 (c not read: it held NaN)", LibraryTolerance);
        Both((b, s) => b.MatMul(s(a), transA, s(b2), transB, s(c), -0.5f, 2f));
        Close(c, "alpha −0.5, beta 2", LibraryTolerance);
    }

    [Test]
    public void MatMulWithAnEmptyInnerDimensionScalesC()
    {
        var a = Input([4, 0], 72);
        var b2 = Input([0, 3], 73);
        var c = Input([4, 3], 74);
        Both((b, s) => b.MatMul(s(a), false, s(b2), false, s(c), 1f, 3f));
        Exact(c, "k = 0, beta 3");
        var d = Output(4, 3);
        Both((b, s) => b.MatMul(s(a), false, s(b2), false, s(d), 1f, 0f));
        Exact(d, "k = 0, beta 0: zeros");
        Assert.That(() => Gpu.MatMul(a.G, false, c.G, false, d.G, 1, 0), Throws.ArgumentException.With.Message.Contains("MatMul"));
    }

    // ---------------------------------------------------------------- convolution

    static readonly (int[] X, int[] W, int Stride, int Padding)[] ConvShapes =
    [
        ([2, 3, 9, 8], [4, 3, 3, 3], 1, 1),
        ([3, 5, 11, 11], [6, 5, 5, 5], 2, 0),
        ([4, 8, 4, 4], [2, 8, 4, 4], 1, 0),  // a kernel as large as the input
        ([2, 16, 7, 7], [8, 16, 1, 1], 1, 0), // pointwise
    ];

    [Test]
    public void ConvolutionForwardAndEveryBackward()
    {
        int seed = 80;
        foreach (var (xs, ws, stride, padding) in ConvShapes)
        {
            string at = $"x {Tensor.ShapeString(xs)} w {Tensor.ShapeString(ws)} stride {stride} padding {padding}";
            int ho = (xs[2] + 2 * padding - ws[2]) / stride + 1, wo = (xs[3] + 2 * padding - ws[3]) / stride + 1;
            int[] ys = [xs[0], ws[0], ho, wo];
            var x = Input(xs, seed++);
            var w = Input(ws, seed++);
            var bias = Input([ws[0]], seed++);
            var gy = Input(ys, seed++);
            var y = Output(ys);
            var yNoBias = Output(ys);
            var gx = Output(xs);
            var gw = Output(ws);
            var gb = Output(ws[0]);
            // twice: the second call runs on the cached plan and algorithm
            for (int repeat = 0; repeat < 2; repeat++)
                Both((b, s) =>
                {
                    b.Conv2dForward(s(x), s(w), s(bias), s(y), stride, padding);
                    b.Conv2dForward(s(x), s(w), null, s(yNoBias), stride, padding);
                    b.Conv2dBackwardData(s(gy), s(w), s(gx), stride, padding);
                    b.Conv2dBackwardWeight(s(x), s(gy), s(gw), stride, padding);
                    b.Conv2dBackwardBias(s(gy), s(gb));
                });
            Close(y, $"forward with bias, {at}", LibraryTolerance);
            Close(yNoBias, $"forward without bias, {at}", LibraryTolerance);
            Close(gx, $"backward data, {at}", LibraryTolerance);
            Close(gw, $"backward weight, {at}", LibraryTolerance);
            Close(gb, $"backward bias, {at}", 1e-6f);
        }
    }

    [Test]
    public void ConvolutionBackwardWeightIsDeterministic()
    {
        var x = Input([16, 8, 12, 12], 90);
        var gy = Input([16, 8, 12, 12], 91);
        using var first = Tensor.Empty([8, 8, 3, 3], Device.Cuda);
        using var second = Tensor.Empty([8, 8, 3, 3], Device.Cuda);
        Gpu.Conv2dBackwardWeight(x.G, gy.G, first, 1, 1);
        Gpu.Conv2dBackwardWeight(x.G, gy.G, second, 1, 1);
        Assert.That(second.ToArray(), Is.EqualTo(first.ToArray()));
    }

    // ---------------------------------------------------------------- batch norm

    [Test]
    public void BatchNormTrainingForwardWithEveryCombinationOfOptionalTensors([Values] bool affine, [Values] bool running)
    {
        const int n = 4, c = 5, h = 6, w = 7;
        var x = Input([n, c, h, w], 100, -2f, 3f);
        var weight = affine ? Input([c], 101, 0.5f, 1.5f) : null;
        var bias = affine ? Input([c], 102) : null;
        var runningMean = running ? Input([c], 103) : null;
        var runningVar = running ? Input([c], 104, 0.5f, 2f) : null;
        var y = Output(n, c, h, w);
        var mean = Output(c);
        var variance = Output(c);
        Both((b, s) => b.BatchNormForwardTraining(s(x), Opt(weight, s), Opt(bias, s), Opt(runningMean, s), Opt(runningVar, s), 0.1f, 1e-5f, s(y), s(mean), s(variance)));
        Close(y, "y", LibraryTolerance);
        Close(mean, "saved mean", LibraryTolerance);
        Close(variance, "saved biased variance (from cuDNN's inverse std)", LibraryTolerance);
        if (running)
        {
            Close(runningMean!, "running mean", LibraryTolerance);
            Close(runningVar!, "running variance (unbiased)", LibraryTolerance);
        }
    }

    [Test]
    public void BatchNormWithOnlyOneRunningStatistic()
    {
        var x = Input([3, 2, 4, 4], 105);
        var runningMean = Input([2], 106);
        var y = Output(3, 2, 4, 4);
        var mean = Output(2);
        var variance = Output(2);
        Both((b, s) => b.BatchNormForwardTraining(s(x), null, null, s(runningMean), null, 0.3f, 1e-3f, s(y), s(mean), s(variance)));
        Close(runningMean, "running mean alone", LibraryTolerance);
        Close(variance, "saved variance", LibraryTolerance);
    }

    [Test]
    public void BatchNormInference([Values] bool affine)
    {
        var x = Input([3, 4, 5, 5], 107);
        var mean = Input([4], 108);
        var variance = Input([4], 109, 0.1f, 2f);
        var weight = affine ? Input([4], 110) : null;
        var bias = affine ? Input([4], 111) : null;
        var y = Output(3, 4, 5, 5);
        Both((b, s) => b.BatchNormForwardInference(s(x), s(mean), s(variance), Opt(weight, s), Opt(bias, s), 1e-5f, s(y)));
        Close(y, "BatchNormForwardInference", LibraryTolerance);
    }

    [Test]
    public void BatchNormBackwardTrainingAndEval([Values] bool training, [Values] bool affine)
    {
        const int n = 3, c = 4, h = 5, w = 6;
        var x = Input([n, c, h, w], 112, -1f, 2f);
        var gy = Input([n, c, h, w], 113);
        var weight = affine ? Input([c], 114, 0.5f, 1.5f) : null;
        // the statistics a training forward saved (the CPU's, on both sides)
        var mean = Output(c);
        var variance = Output(c);
        using (var y = Tensor.Empty([n, c, h, w]))
            Backend.Cpu.BatchNormForwardTraining(x.C, null, null, null, null, 0.1f, 1e-5f, y, mean.C, variance.C);
        mean.G.CopyFrom(mean.C);
        variance.G.CopyFrom(variance.C);
        var gx = Output(n, c, h, w);
        var gWeight = Output(c);
        var gBias = Output(c);
        Both((b, s) => b.BatchNormBackward(s(x), s(gy), s(mean), s(variance), Opt(weight, s), 1e-5f, training, s(gx), s(gWeight), s(gBias)));
        Close(gx, "gx", LibraryTolerance);
        Close(gWeight, "gweight", LibraryTolerance);
        Close(gBias, "gbias", LibraryTolerance);

        var onlyGx = Output(n, c, h, w);
        Both((b, s) => b.BatchNormBackward(s(x), s(gy), s(mean), s(variance), Opt(weight, s), 1e-5f, training, s(onlyGx), null, null));
        Close(onlyGx, "gx alone", LibraryTolerance);
        var onlyGw = Output(c);
        Both((b, s) => b.BatchNormBackward(s(x), s(gy), s(mean), s(variance), Opt(weight, s), 1e-5f, training, null, s(onlyGw), null));
        Close(onlyGw, "gweight alone", LibraryTolerance);
    }

    [Test]
    public void BatchNormRefusesANegativeEpsilon()
    {
        var x = Input([2, 2, 2, 2], 115);
        var stats = Output(2);
        Assert.That(() => Gpu.BatchNormForwardInference(x.G, stats.G, stats.G, null, null, -1f, x.G),
            Throws.ArgumentException.With.Message.Contains("BatchNormForwardInference").And.Message.Contains("CUDNN_BN_MIN_EPSILON"));
    }

    // ---------------------------------------------------------------- pooling

    [Test]
    public void PoolingAndUpsamplingAreExact()
    {
        var data = Values(2 * 3 * 9 * 8, 120).Select(v => MathF.Round(v * 4)).ToArray(); // ties inside windows
        data[17] = float.NaN;
        var x = From(data, 2, 3, 9, 8);
        foreach (var (kernel, stride) in new[] { (2, 2), (3, 2), (3, 1) })
        {
            int oh = (9 - kernel) / stride + 1, ow = (8 - kernel) / stride + 1;
            var y = Output(2, 3, oh, ow);
            var indices = Output(2, 3, oh, ow);
            var gy = Input([2, 3, oh, ow], 121 + kernel);
            var gx = Output(2, 3, 9, 8);
            var avg = Output(2, 3, oh, ow);
            var gAvg = Output(2, 3, 9, 8);
            Both((b, s) =>
            {
                b.MaxPool2d(s(x), kernel, stride, s(y), s(indices));
                b.MaxPool2dBackward(s(gy), s(indices), s(gx));
                b.AvgPool2d(s(x), kernel, stride, s(avg));
                b.AvgPool2dBackward(s(gy), kernel, stride, s(gAvg));
            });
            string at = $"kernel {kernel} stride {stride}";
            Exact(y, $"max pool, {at}");
            Exact(indices, $"max pool indices, {at}");
            Exact(gx, $"max pool backward, {at}");
            Exact(avg, $"avg pool, {at}");
            Exact(gAvg, $"avg pool backward, {at}");
        }
        var global = Output(2, 3, 1, 1);
        var plain = Input([2, 3, 9, 9], 125);
        Both((b, s) => b.AvgPool2d(s(plain), 9, 9, s(global)));
        Close(global, "global average pool (float64 sums in another order)", 1e-6f);

        var up = Output(2, 3, 18, 16);
        var gUp = Input([2, 3, 18, 16], 126);
        var gDown = Output(2, 3, 9, 8);
        Both((b, s) =>
        {
            b.UpsampleNearest(s(x), 2, s(up));
            b.UpsampleNearestBackward(s(gUp), 2, s(gDown));
        });
        Exact(up, "upsample");
        Exact(gDown, "upsample backward");
    }

    // ---------------------------------------------------------------- optimizers

    [Test]
    public void SgdStepIsBitExact([Values] bool momentum, [Values] bool nesterov, [Values] bool firstStep, [Values(0f, 5e-4f)] float weightDecay)
    {
        var param = Input([1031], 130);
        var grad = Input([1031], 131);
        var buffer = momentum ? Input([1031], 132) : null;
        var scalars = new SgdScalars(-0.1f, momentum ? 0.9f : 0f, 0.75f, weightDecay, nesterov && momentum);
        Both((b, s) => b.SgdStep(s(param), s(grad), Opt(buffer, s), scalars, firstStep));
        Exact(param, "param");
        if (buffer != null) Exact(buffer, "momentum buffer");
    }

    [Test]
    public void AdamStepIsBitExact([Values(0f, 1e-4f)] float weightDecay)
    {
        var param = Input([1031], 133);
        var grad = Input([1031], 134);
        var m = Input([1031], 135);
        var v = Input([1031], 136, 0f, 1f);
        double b1 = 0.9, b2 = 0.999;
        var scalars = new AdamScalars(0.9f, (float)(1 - b1), 0.999f, (float)(1 - b2), weightDecay,
            (float)(-1e-3 / (1 - Math.Pow(b1, 3))), (float)Math.Sqrt(1 - Math.Pow(b2, 3)), 1e-8f);
        Both((b, s) => b.AdamStep(s(param), s(grad), s(m), s(v), scalars));
        Exact(param, "param");
        Exact(m, "exp_avg");
        Exact(v, "exp_avg_sq");
    }
}
