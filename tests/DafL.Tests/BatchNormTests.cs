using DafL.Memory;
using DafL.Random;
using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests;

public class BatchNormTests : LeakCheckedTest
{
    // ------------------------------------------------------------------ naive reference (float64, plain loops)

    /// <summary>Per-channel mean and biased variance of x (N, C, H, W), two passes in double.</summary>
    static (double[] Mean, double[] Var) ReferenceStatistics(float[] x, int[] shape)
    {
        int n = shape[0], c = shape[1], plane = shape[2] * shape[3];
        var mean = new double[c];
        var var = new double[c];
        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++)
                for (int k = 0; k < plane; k++) sum += x[(i * c + ch) * plane + k];
            mean[ch] = sum / (n * plane);
            double sq = 0;
            for (int i = 0; i < n; i++)
                for (int k = 0; k < plane; k++)
                {
                    double d = x[(i * c + ch) * plane + k] - mean[ch];
                    sq += d * d;
                }
            var[ch] = sq / (n * plane);
        }
        return (mean, var);
    }

    /// <summary>y = (x − mean[c]) / √(var[c] + eps) · w[c] + b[c] with plain loops.</summary>
    static float[] ReferenceNormalize(float[] x, int[] shape, double[] mean, double[] var, float[]? w, float[]? b, float eps)
    {
        int n = shape[0], c = shape[1], plane = shape[2] * shape[3];
        var y = new float[x.Length];
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int k = 0; k < plane; k++)
                {
                    int at = (i * c + ch) * plane + k;
                    double v = (x[at] - mean[ch]) / Math.Sqrt(var[ch] + eps);
                    y[at] = (float)(v * (w?[ch] ?? 1f) + (b?[ch] ?? 0f));
                }
        return y;
    }

    static float[] Normal(int count, ulong seed, float scale = 1f, float offset = 0f)
    {
        using var t = Tensor.Randn([count], new Philox(seed));
        return t.ToArray().Select(v => v * scale + offset).ToArray();
    }

    static double[] ToDouble(float[] v) => v.Select(f => (double)f).ToArray();

    // ------------------------------------------------------------------ forward values

    [Test]
    public void TrainingMatchesHandValues()
    {
        // One channel holding 1, 2, 3, 4: mean 2.5, biased variance 1.25; eps 2.75 makes √(var + eps) exactly 2.
        using var x = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 1, 1, 2);
        using var w = Tensor.FromArray([2f], 1);
        using var b = Tensor.FromArray([1f], 1);
        using var y = BatchNorm2d(x, null, null, w, b, training: true, eps: 2.75f);
        Assert.That(y.ToArray(), Is.EqualTo(new[] { -0.5f, 0.5f, 1.5f, 2.5f }).Within(1e-6f));
    }

    [Test]
    public void TrainingMatchesReferenceWithAffine()
    {
        // 4·16·32·32 elements: several channel groups run in parallel, planes of 1024 use the vector loops.
        int[] shape = [4, 16, 32, 32];
        var xs = Normal(4 * 16 * 32 * 32, 11, scale: 2f, offset: 0.5f);
        var ws = Normal(16, 12);
        var bs = Normal(16, 13);
        using var x = Tensor.FromArray(xs, shape);
        using var w = Tensor.FromArray(ws, 16);
        using var b = Tensor.FromArray(bs, 16);
        using var y = BatchNorm2d(x, null, null, w, b, training: true);
        var (mean, var) = ReferenceStatistics(xs, shape);
        Assert.That(y.ToArray(), Is.EqualTo(ReferenceNormalize(xs, shape, mean, var, ws, bs, 1e-5f)).Within(2e-5f));
    }

    [Test]
    public void TrainingWithOddPlaneMatchesReference()
    {
        // 17·19 = 323 elements per plane: Vector512, Vector256 and scalar tails all run.
        int[] shape = [3, 4, 17, 19];
        var xs = Normal(3 * 4 * 17 * 19, 21, scale: 0.5f, offset: -1f);
        using var x = Tensor.FromArray(xs, shape);
        using var y = BatchNorm2d(x, null, null, null, null, training: true);
        var (mean, var) = ReferenceStatistics(xs, shape);
        Assert.That(y.ToArray(), Is.EqualTo(ReferenceNormalize(xs, shape, mean, var, null, null, 1e-5f)).Within(2e-5f));
    }

    [Test]
    public void LargeEpsOfDaflGeneratorMatchesReference()
    {
        // DAFL's generator builds BatchNorm2d(C, 0.8): eps = 0.8, which visibly shrinks the output.
        int[] shape = [8, 3, 4, 4];
        var xs = Normal(8 * 3 * 16, 31, scale: 0.7f);
        var ws = Normal(3, 32);
        var bs = Normal(3, 33);
        using var x = Tensor.FromArray(xs, shape);
        using var w = Tensor.FromArray(ws, 3);
        using var b = Tensor.FromArray(bs, 3);
        using var y = BatchNorm2d(x, null, null, w, b, training: true, eps: 0.8f);
        var (mean, var) = ReferenceStatistics(xs, shape);
        Assert.That(y.ToArray(), Is.EqualTo(ReferenceNormalize(xs, shape, mean, var, ws, bs, 0.8f)).Within(1e-5f));
        var smallEps = ReferenceNormalize(xs, shape, mean, var, ws, bs, 1e-5f);
        Assert.That(y.ToArray(), Is.Not.EqualTo(smallEps).Within(1e-2f), "eps must enter the normalisation");
    }

    [Test]
    public void WithoutAffineTheOutputIsStandardised()
    {
        // affine=False (DAFL's last generator BN): each channel of y has mean 0 and variance var/(var + eps).
        int[] shape = [5, 2, 3, 3];
        var xs = Normal(5 * 2 * 9, 41, scale: 3f, offset: 2f);
        using var x = Tensor.FromArray(xs, shape);
        using var y = BatchNorm2d(x, null, null, null, null, training: true);
        var (mean, var) = ReferenceStatistics(xs, shape);
        var ys = y.ToArray();
        Assert.That(ys, Is.EqualTo(ReferenceNormalize(xs, shape, mean, var, null, null, 1e-5f)).Within(1e-5f));
        var (yMean, yVar) = ReferenceStatistics(ys, shape);
        for (int c = 0; c < 2; c++)
        {
            Assert.That(yMean[c], Is.EqualTo(0).Within(1e-6));
            Assert.That(yVar[c], Is.EqualTo(var[c] / (var[c] + 1e-5)).Within(1e-5));
        }
    }

    [Test]
    public void VarianceIsAccurateForALargeMean()
    {
        // Mean 1000, spread 0.01: E[x²] − E[x]² in float32 would lose every digit; two passes keep them.
        int[] shape = [16, 1, 8, 8];
        var xs = Normal(16 * 64, 51, scale: 0.01f, offset: 1000f);
        using var x = Tensor.FromArray(xs, shape);
        using var rm = Tensor.Zeros([1]);
        using var rv = Tensor.Zeros([1]);
        using var y = BatchNorm2d(x, rm, rv, null, null, training: true, momentum: 1f);
        var (mean, var) = ReferenceStatistics(xs, shape);
        Assert.That(rm.ToArray()[0], Is.EqualTo(mean[0]).Within(1e-4));
        Assert.That(rv.ToArray()[0], Is.EqualTo(var[0] * 1024 / 1023).Within(1e-3 * var[0]));
        // y itself can be no closer than the float32 mean allows: its rounding (3e-5) is 0.3% of σ, so y (≈ ±3) is
        // good to about 1e-2; a lost variance would be off by far more (a factor of 3 at var = 0, NaN below it).
        Assert.That(y.ToArray(), Is.EqualTo(ReferenceNormalize(xs, shape, mean, var, null, null, 1e-5f)).Within(1e-2f));
    }

    // ------------------------------------------------------------------ running statistics

    [Test]
    public void RunningStatisticsAfterTwoForwardPasses()
    {
        // PyTorch's initial running stats (0, 1), momentum 0.1, one channel of four values per pass.
        using var rm = Tensor.Zeros([1]);
        using var rv = Tensor.Ones([1]);
        using (var x1 = Tensor.FromArray([1f, 2f, 3f, 4f], 4, 1, 1, 1))
        using (var y1 = BatchNorm2d(x1, rm, rv, null, null, training: true))
        {
            // mean 2.5, unbiased var 5/3: rm = 0.1·2.5, rv = 0.9·1 + 0.1·5/3.
            Assert.That(rm.ToArray()[0], Is.EqualTo(0.25f).Within(1e-7f));
            Assert.That(rv.ToArray()[0], Is.EqualTo(0.9f + 0.1f * 5f / 3f).Within(1e-6f));
        }
        using (var x2 = Tensor.FromArray([0f, 0f, 4f, 8f], 2, 1, 2, 1))
        using (var y2 = BatchNorm2d(x2, rm, rv, null, null, training: true))
        {
            // mean 3, unbiased var 44/3 (the biased 11 would give 2.06): rm = 0.9·0.25 + 0.3, rv = 0.9·(0.9 + 1/6) + 0.1·44/3.
            Assert.That(rm.ToArray()[0], Is.EqualTo(0.525f).Within(1e-6f));
            Assert.That(rv.ToArray()[0], Is.EqualTo(0.9 * (0.9 + 1.0 / 6) + 4.4 / 3).Within(1e-5));
            // Training normalises with the batch statistics, not the running ones.
            Assert.That(y2.ToArray(), Is.EqualTo(new[] { -3, -3, 1, 5 }.Select(d => d / MathF.Sqrt(11f + 1e-5f)).ToArray()).Within(1e-5f));
        }
    }

    [Test]
    public void RunningStatisticsFollowMomentumPerChannel()
    {
        int[] shape = [3, 5, 2, 3];
        var xs = Normal(3 * 5 * 6, 61, scale: 1.5f, offset: 0.3f);
        var rm0 = Normal(5, 62);
        var rv0 = Normal(5, 63).Select(v => 1f + MathF.Abs(v)).ToArray();
        using var x = Tensor.FromArray(xs, shape);
        using var rm = Tensor.FromArray(rm0, 5);
        using var rv = Tensor.FromArray(rv0, 5);
        using var y = BatchNorm2d(x, rm, rv, null, null, training: true, momentum: 0.3f);
        var (mean, var) = ReferenceStatistics(xs, shape);
        int count = 3 * 6;
        var expectedMean = mean.Select((m, c) => 0.7 * rm0[c] + 0.3 * m).ToArray();
        var expectedVar = var.Select((v, c) => 0.7 * rv0[c] + 0.3 * v * count / (count - 1)).ToArray();
        Assert.That(ToDouble(rm.ToArray()), Is.EqualTo(expectedMean).Within(1e-6));
        Assert.That(ToDouble(rv.ToArray()), Is.EqualTo(expectedVar).Within(1e-5));
    }

    [Test]
    public void RunningStatisticsUpdateOncePerForwardNotInBackward()
    {
        using var x = GradCheck.Input([2, 1, 1, 2], 71);
        using var rm = Tensor.Zeros([1]);
        using var rv = Tensor.Ones([1]);
        using var y = BatchNorm2d(x, rm, rv, null, null, training: true);
        var afterForward = (rm.ToArray()[0], rv.ToArray()[0]);
        using (var gy = Tensor.FromArray([1f, -2f, 0.5f, 3f], 2, 1, 1, 2)) y.Backward(gy);
        Assert.That((rm.ToArray()[0], rv.ToArray()[0]), Is.EqualTo(afterForward));
        Assert.That(x.Grad, Is.Not.Null);
    }

    [Test]
    public void EvalModeNormalisesWithRunningStatistics()
    {
        int[] shape = [2, 3, 3, 2];
        var xs = Normal(2 * 3 * 6, 81);
        float[] rm0 = [0.5f, -1f, 2f], rv0 = [0.25f, 4f, 1.5f], ws = [1.5f, -0.5f, 2f], bs = [0.1f, 0.2f, -0.3f];
        using var x = Tensor.FromArray(xs, shape);
        using var rm = Tensor.FromArray(rm0, 3);
        using var rv = Tensor.FromArray(rv0, 3);
        using var w = Tensor.FromArray(ws, 3);
        using var b = Tensor.FromArray(bs, 3);
        using var y = BatchNorm2d(x, rm, rv, w, b, training: false, eps: 0.8f);
        Assert.That(y.ToArray(), Is.EqualTo(ReferenceNormalize(xs, shape, ToDouble(rm0), ToDouble(rv0), ws, bs, 0.8f)).Within(1e-5f));
        Assert.That(rm.ToArray(), Is.EqualTo(rm0), "eval mode leaves the running mean alone");
        Assert.That(rv.ToArray(), Is.EqualTo(rv0), "eval mode leaves the running var alone");
    }

    [Test]
    public void EvalModeOnManyPlanesMatchesReference()
    {
        // 4·16 planes of 32·32: planes are split across tasks; no affine.
        int[] shape = [4, 16, 32, 32];
        var xs = Normal(4 * 16 * 1024, 91);
        var rm0 = Normal(16, 92);
        var rv0 = Normal(16, 93).Select(v => 0.5f + v * v).ToArray();
        using var x = Tensor.FromArray(xs, shape);
        using var rm = Tensor.FromArray(rm0, 16);
        using var rv = Tensor.FromArray(rv0, 16);
        using var y = BatchNorm2d(x, rm, rv, null, null, training: false);
        Assert.That(y.ToArray(), Is.EqualTo(ReferenceNormalize(xs, shape, ToDouble(rm0), ToDouble(rv0), null, null, 1e-5f)).Within(1e-5f));
    }

    // ------------------------------------------------------------------ gradients

    // Why these steps and tolerances: the central difference errs by h²·L'''/6, and batch norm's derivatives grow
    // like 1/σᵏ with σ the channel's spread; the inputs have σ ≈ 1 (12 values per channel, seeds checked to be well
    // spread), so h = 1e-2 keeps that error near 1e-4 of the gradient, while the float32 rounding of the loss
    // (≈ 1e-6 absolute over these few outputs) divided by 2h stays near 5e-5. Both are far below atol 2e-3 /
    // rtol 2e-2, which still catch a missing batch-statistics term (it changes gx by O(1)). Eval mode is linear in
    // x, weight and bias, so there only rounding matters.

    [Test]
    public void TrainingGradCheckOfInputWeightAndBias()
    {
        using var x = GradCheck.Input([2, 3, 2, 3], 101);
        using var w = GradCheck.Input([3], 102);
        using var b = GradCheck.Input([3], 103);
        using var rm = Tensor.Zeros([3]);
        using var rv = Tensor.Ones([3]);
        GradCheck.Check(i => BatchNorm2d(i[0], rm, rv, i[1], i[2], training: true), [x, w, b], h: 1e-2);
    }

    [Test]
    public void TrainingGradCheckWithoutAffineAndLargeEps()
    {
        using var x = GradCheck.Input([3, 2, 2, 2], 111);
        GradCheck.Check(i => BatchNorm2d(i[0], null, null, null, null, training: true, eps: 0.8f), [x], h: 1e-2);
    }

    [Test]
    public void TrainingGradCheckOfParametersOnly()
    {
        // The input needs no gradient (a frozen upstream): only gweight and gbias are computed.
        using var x = GradCheck.Input([2, 2, 3, 3], 121);
        x.RequiresGrad = false;
        using var w = GradCheck.Input([2], 122);
        using var b = GradCheck.Input([2], 123);
        GradCheck.Check(i => BatchNorm2d(i[0], null, null, i[1], i[2], training: true), [x, w, b], h: 1e-2);
    }

    [Test]
    public void TrainingInputGradientSumsToZeroPerChannel()
    {
        // With batch statistics, shifting a whole channel changes nothing: Σ gx over (N, H, W) is 0, whatever gy is.
        using var x = GradCheck.Input([4, 3, 5, 5], 131, scale: 2f);
        using var w = GradCheck.Input([3], 132);
        using var y = BatchNorm2d(x, null, null, w, null, training: true);
        using (var gy = Tensor.Randn(y.Shape, new Philox(133))) y.Backward(gy);
        var (gMean, _) = ReferenceStatistics(x.Grad!.ToArray(), x.Shape);
        Assert.That(gMean, Is.EqualTo(new double[3]).Within(1e-6));
    }

    [Test]
    public void EvalGradCheckOfInputWeightAndBias()
    {
        using var x = GradCheck.Input([2, 3, 2, 3], 141);
        using var w = GradCheck.Input([3], 142);
        using var b = GradCheck.Input([3], 143);
        using var rm = Tensor.FromArray([0.2f, -0.5f, 1f], 3);
        using var rv = Tensor.FromArray([0.5f, 2f, 1.2f], 3);
        GradCheck.Check(i => BatchNorm2d(i[0], rm, rv, i[1], i[2], training: false), [x, w, b], h: 1e-2);
    }

    [Test]
    public void EvalGradCheckOfInputOnlyWithLargeEps()
    {
        using var x = GradCheck.Input([2, 2, 3, 2], 151);
        using var w = Tensor.FromArray([1.5f, -2f], 2);
        using var rm = Tensor.FromArray([0.3f, -0.1f], 2);
        using var rv = Tensor.FromArray([0.7f, 1.9f], 2);
        GradCheck.Check(i => BatchNorm2d(i[0], rm, rv, w, null, training: false, eps: 0.8f), [x], h: 1e-2);
    }

    [Test]
    public void EvalBackwardUsesTheStatisticsOfItsForward()
    {
        // A training pass between forward and backward moves the running stats; the eval backward must not see it.
        using var x = GradCheck.Input([2, 1, 2, 2], 161);
        using var rm = Tensor.FromArray([0.5f], 1);
        using var rv = Tensor.FromArray([3f], 1);
        using var y = BatchNorm2d(x, rm, rv, null, null, training: false);
        using (var other = Tensor.FromArray([10f, 20f, 30f, 40f], 4, 1, 1, 1))
        using (BatchNorm2d(other, rm, rv, null, null, training: true)) { }
        using (var gy = Tensor.Ones(y.Shape)) y.Backward(gy);
        Assert.That(x.Grad!.ToArray(), Is.All.EqualTo(1 / MathF.Sqrt(3f + 1e-5f)).Within(1e-6f));
    }

    [Test]
    public void SavedStatisticsAreFreedWithAnOutputNeverRunBackward()
    {
        using var x = GradCheck.Input([2, 2, 2, 2], 171);
        long before = Tensor.LiveTensors;
        var y = BatchNorm2d(x, null, null, null, null, training: true);
        Assert.That(Tensor.LiveTensors, Is.GreaterThan(before + 1), "the node keeps the batch statistics");
        y.Dispose();
        Assert.That(Tensor.LiveTensors, Is.EqualTo(before));
    }

    // ------------------------------------------------------------------ bad input

    [Test]
    public void RejectsBadShapes()
    {
        using var x = Tensor.Zeros([2, 3, 4, 4]);
        using var c2 = Tensor.Zeros([2]);
        using var c3 = Tensor.Ones([3]);
        using var matrix = Tensor.Zeros([3, 1]);
        using var rank3 = Tensor.Zeros([3, 4, 4]);
        using var single = Tensor.Zeros([1, 3, 1, 1]);

        Assert.That(() => BatchNorm2d(rank3, null, null, null, null, true),
            Throws.ArgumentException.With.Message.Contains("BatchNorm2d").And.Message.Contains("[3, 4, 4]"));
        Assert.That(() => BatchNorm2d(x, c2, c3, null, null, true),
            Throws.ArgumentException.With.Message.Contains("running mean").And.Message.Contains("[2]").And.Message.Contains("[2, 3, 4, 4]"));
        Assert.That(() => BatchNorm2d(x, c3, c2, null, null, false),
            Throws.ArgumentException.With.Message.Contains("running var"));
        Assert.That(() => BatchNorm2d(x, null, null, matrix, null, true),
            Throws.ArgumentException.With.Message.Contains("weight").And.Message.Contains("[3, 1]"));
        Assert.That(() => BatchNorm2d(x, null, null, c3, c2, true),
            Throws.ArgumentException.With.Message.Contains("bias"));
        Assert.That(() => BatchNorm2d(x, c3, null, null, null, true),
            Throws.ArgumentException.With.Message.Contains("both running statistics"));
        Assert.That(() => BatchNorm2d(x, null, null, c3, c3, false),
            Throws.ArgumentException.With.Message.Contains("eval mode"));
        Assert.That(() => BatchNorm2d(single, null, null, null, null, true),
            Throws.ArgumentException.With.Message.Contains("more than one value per channel"));
        using (var evalSingle = BatchNorm2d(single, c3, c3, null, null, false))
            Assert.That(evalSingle.Shape, Is.EqualTo(new[] { 1, 3, 1, 1 }), "eval mode accepts one value per channel");
    }
}
