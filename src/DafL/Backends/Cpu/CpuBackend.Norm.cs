using System.Runtime.Intrinsics;

namespace DafL.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    // x is (N, C, H, W): channel c is N planes of H·W contiguous floats, plane n at (n·C + c)·H·W.
    // Statistics are per channel, so the training kernels run one task per group of channels.

    public void BatchNormForwardTraining(Tensor x, Tensor? weight, Tensor? bias, Tensor? runningMean, Tensor? runningVar,
        float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveVar) =>
        ForwardTraining(x, weight, bias, runningMean, runningVar, momentum, eps, y, saveMean, saveVar, default(NoActivation));

    /// <summary>The training forward with <paramref name="activation"/> applied to each normalised value as it is written.</summary>
    static void ForwardTraining<TActivation>(Tensor x, Tensor? weight, Tensor? bias, Tensor? runningMean, Tensor? runningVar,
        float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveVar, TActivation activation) where TActivation : struct, IPlaneActivation
    {
        int n = x.Shape[0], channels = x.Shape[1];
        long plane = (long)x.Shape[2] * x.Shape[3], count = n * plane;
        float* px = x.Ptr, py = y.Ptr, pMean = saveMean.Ptr, pVar = saveVar.Ptr;
        float* pw = weight == null ? null : weight.Ptr, pb = bias == null ? null : bias.Ptr;
        float* prm = runningMean == null ? null : runningMean.Ptr, prv = runningVar == null ? null : runningVar.Ptr;
        Parallelism.ForRanges(channels, ChannelGrain(count), (from, to) =>
        {
            for (long c = from; c < to; c++)
            {
                // Two passes: the mean, then moments of x − mean (float mean, so Σ(x − m) corrects its rounding).
                double sum = 0;
                for (int i = 0; i < n; i++) sum += Simd.Sum(px + (i * channels + c) * plane, plane);
                float mean = (float)(sum / count);
                double dev = 0, devSq = 0;
                for (int i = 0; i < n; i++)
                {
                    var (s, s2) = ShiftedMoments(px + (i * channels + c) * plane, mean, plane);
                    dev += s;
                    devSq += s2;
                }
                double exactMean = mean + dev / count;
                double var = Math.Max(devSq - dev * dev / count, 0) / count; // biased
                pMean[c] = (float)exactMean;
                pVar[c] = (float)var;

                double invStd = InvStd(pVar[c], eps);
                float scale = (float)((pw == null ? 1.0 : pw[c]) * invStd);
                float shift = (float)((pb == null ? 0.0 : pb[c]) - pMean[c] * (pw == null ? 1.0 : pw[c]) * invStd);
                for (int i = 0; i < n; i++)
                {
                    long o = (i * channels + c) * plane;
                    AffineActivation(px + o, scale, shift, py + o, plane, activation);
                }

                if (prm != null) prm[c] = (float)((1.0 - momentum) * prm[c] + momentum * exactMean);
                if (prv != null) prv[c] = (float)((1.0 - momentum) * prv[c] + momentum * var * count / (count - 1));
            }
        });
    }

    public void BatchNormForwardInference(Tensor x, Tensor mean, Tensor var, Tensor? weight, Tensor? bias, float eps, Tensor y)
    {
        int channels = x.Shape[1];
        long plane = (long)x.Shape[2] * x.Shape[3];
        float* px = x.Ptr, py = y.Ptr, pm = mean.Ptr, pv = var.Ptr;
        float* pw = weight == null ? null : weight.Ptr, pb = bias == null ? null : bias.Ptr;
        // Independent planes: one task per group of (n, c) planes.
        Parallelism.ForRanges((long)x.Shape[0] * channels, Math.Max(1, (1 << 15) / Math.Max(plane, 1)), (from, to) =>
        {
            for (long p = from; p < to; p++)
            {
                long c = p % channels;
                double scale = (pw == null ? 1.0 : pw[c]) * InvStd(pv[c], eps);
                double shift = (pb == null ? 0.0 : pb[c]) - pm[c] * scale;
                Simd.Affine(px + p * plane, (float)scale, (float)shift, py + p * plane, plane);
            }
        });
    }

    public void BatchNormBackward(Tensor x, Tensor gy, Tensor mean, Tensor var, Tensor? weight, float eps, bool training,
        Tensor? gx, Tensor? gWeight, Tensor? gBias) =>
        Backward(x, null, gy, mean, var, weight, eps, training, gx, gWeight, gBias, default(NoGradMask));

    /// <summary>
    /// The backward with gy first passed through <paramref name="mask"/> (an activation's gradient, read from the
    /// op's output <paramref name="y"/>) element by element wherever it is read, so that no masked-gradient tensor is made.
    /// </summary>
    static void Backward<TMask>(Tensor x, Tensor? y, Tensor gy, Tensor mean, Tensor var, Tensor? weight, float eps, bool training,
        Tensor? gx, Tensor? gWeight, Tensor? gBias, TMask mask) where TMask : struct, IGradMask
    {
        int n = x.Shape[0], channels = x.Shape[1];
        long plane = (long)x.Shape[2] * x.Shape[3], count = n * plane;
        float* py = y == null ? null : y.Ptr;
        float* px = x.Ptr, pg = gy.Ptr, pm = mean.Ptr, pv = var.Ptr, pw = weight == null ? null : weight.Ptr;
        float* pgx = gx == null ? null : gx.Ptr, pgw = gWeight == null ? null : gWeight.Ptr, pgb = gBias == null ? null : gBias.Ptr;
        Parallelism.ForRanges(channels, ChannelGrain(count), (from, to) =>
        {
            for (long c = from; c < to; c++)
            {
                double invStd = InvStd(pv[c], eps), w = pw == null ? 1.0 : pw[c];
                double sumG = 0, sumGD = 0; // Σ gy and Σ gy·(x − mean) over the channel
                if (training || pgw != null || pgb != null)
                    for (int i = 0; i < n; i++)
                    {
                        long o = (i * channels + c) * plane;
                        var (s, sd) = GradMoments(pg + o, py + o, px + o, pm[c], plane, mask);
                        sumG += s;
                        sumGD += sd;
                    }
                if (pgb != null) pgb[c] = (float)sumG;
                if (pgw != null) pgw[c] = (float)(sumGD * invStd);
                if (pgx == null) continue;

                float a = (float)(w * invStd);
                if (!training)
                {
                    // Eval mode has no fused caller, so gy is read unmasked (NoGradMask) here.
                    for (int i = 0; i < n; i++)
                    {
                        long o = (i * channels + c) * plane;
                        Simd.Affine(pg + o, a, 0f, pgx + o, plane);
                    }
                    continue;
                }
                // gx = w·invStd·(gy − Σgy/n − x̂·Σ(gy·x̂)/n) = a·gy + b·(x − mean) + k
                float b = (float)(-w * invStd * invStd * invStd * sumGD / count);
                float k = (float)(-w * invStd * sumG / count);
                for (int i = 0; i < n; i++)
                {
                    long o = (i * channels + c) * plane;
                    BatchNormInputGrad(pg + o, py + o, px + o, pm[c], a, b, k, pgx + o, plane, mask);
                }
            }
        });
    }

    /// <summary>Channels per task, so that each task covers at least about 32K elements.</summary>
    static long ChannelGrain(long perChannel) => Math.Max(1, (1 << 15) / Math.Max(perChannel, 1));

    /// <summary>1/√(var + eps) in double; the forward and backward kernels share it so they agree bit for bit.</summary>
    static double InvStd(float var, float eps) => 1.0 / Math.Sqrt((double)var + eps);

    /// <summary>(Σ d, Σ d²) with d = x[i] − shift, vector partial sums flushed into double every 4096 elements.</summary>
    static (double Sum, double SumSq) ShiftedMoments(float* x, float shift, long n)
    {
        long i = 0;
        double s = 0, s2 = 0;
        if (Simd.Has512)
        {
            var vs = Vector512.Create(shift);
            while (i + 16 <= n)
            {
                var a = Vector512<float>.Zero;
                var a2 = Vector512<float>.Zero;
                for (long end = Math.Min(n - 15, i + 4096); i < end; i += 16)
                {
                    var d = Vector512.Load(x + i) - vs;
                    a += d;
                    a2 = Vector512.FusedMultiplyAdd(d, d, a2);
                }
                s += Vector512.Sum(a);
                s2 += Vector512.Sum(a2);
            }
        }
        {
            var vs = Vector256.Create(shift);
            while (i + 8 <= n)
            {
                var a = Vector256<float>.Zero;
                var a2 = Vector256<float>.Zero;
                for (long end = Math.Min(n - 7, i + 4096); i < end; i += 8)
                {
                    var d = Vector256.Load(x + i) - vs;
                    a += d;
                    a2 = Vector256.FusedMultiplyAdd(d, d, a2);
                }
                s += Vector256.Sum(a);
                s2 += Vector256.Sum(a2);
            }
        }
        for (; i < n; i++)
        {
            double d = x[i] - shift;
            s += d;
            s2 += d * d;
        }
        return (s, s2);
    }

    /// <summary>(Σ g, Σ g·(x − mean)) over n elements with g = mask(gy, y), vector partial sums flushed into double every 4096 elements.</summary>
    static (double SumG, double SumGD) GradMoments<TMask>(float* gy, float* y, float* x, float mean, long n, TMask mask) where TMask : struct, IGradMask
    {
        long i = 0;
        double s = 0, sd = 0;
        if (Simd.Has512)
        {
            var vm = Vector512.Create(mean);
            while (i + 16 <= n)
            {
                var a = Vector512<float>.Zero;
                var ad = Vector512<float>.Zero;
                for (long end = Math.Min(n - 15, i + 4096); i < end; i += 16)
                {
                    var vg = mask.Apply(Vector512.Load(gy + i), y + i);
                    a += vg;
                    ad = Vector512.FusedMultiplyAdd(vg, Vector512.Load(x + i) - vm, ad);
                }
                s += Vector512.Sum(a);
                sd += Vector512.Sum(ad);
            }
        }
        {
            var vm = Vector256.Create(mean);
            while (i + 8 <= n)
            {
                var a = Vector256<float>.Zero;
                var ad = Vector256<float>.Zero;
                for (long end = Math.Min(n - 7, i + 4096); i < end; i += 8)
                {
                    var vg = mask.Apply(Vector256.Load(gy + i), y + i);
                    a += vg;
                    ad = Vector256.FusedMultiplyAdd(vg, Vector256.Load(x + i) - vm, ad);
                }
                s += Vector256.Sum(a);
                sd += Vector256.Sum(ad);
            }
        }
        for (; i < n; i++)
        {
            float g = mask.Apply(gy[i], y + i);
            s += g;
            sd += (double)g * (x[i] - mean);
        }
        return (s, sd);
    }

    /// <summary>gx[i] = a·g[i] + b·(x[i] − mean) + k with g = mask(gy, y): the training-mode input gradient of one plane.</summary>
    static void BatchNormInputGrad<TMask>(float* gy, float* y, float* x, float mean, float a, float b, float k, float* gx, long n, TMask mask)
        where TMask : struct, IGradMask
    {
        long i = 0;
        if (Simd.Has512)
        {
            Vector512<float> vm = Vector512.Create(mean), va = Vector512.Create(a), vb = Vector512.Create(b), vk = Vector512.Create(k);
            for (; i + 16 <= n; i += 16)
                Vector512.Store(Vector512.FusedMultiplyAdd(Vector512.Load(x + i) - vm, vb, Vector512.FusedMultiplyAdd(mask.Apply(Vector512.Load(gy + i), y + i), va, vk)), gx + i);
        }
        {
            Vector256<float> vm = Vector256.Create(mean), va = Vector256.Create(a), vb = Vector256.Create(b), vk = Vector256.Create(k);
            for (; i + 8 <= n; i += 8)
                Vector256.Store(Vector256.FusedMultiplyAdd(Vector256.Load(x + i) - vm, vb, Vector256.FusedMultiplyAdd(mask.Apply(Vector256.Load(gy + i), y + i), va, vk)), gx + i);
        }
        for (; i < n; i++) gx[i] = MathF.FusedMultiplyAdd(x[i] - mean, b, MathF.FusedMultiplyAdd(mask.Apply(gy[i], y + i), a, k));
    }
}
