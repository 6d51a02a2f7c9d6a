using System.Runtime.Intrinsics;

namespace DafL.Backends.Cpu;

/// <summary>
/// The row kernels of softmax, log-softmax and the losses (CpuBackend.Softmax.cs runs them over the rows): one
/// contiguous row each, max-subtracted, sums in float64, vectorised with the Cephes exp (<see cref="Simd.Exp(Vector512{float})"/>).
/// </summary>
public sealed unsafe partial class CpuBackend
{
    /// <summary>y = softmax(x) for one contiguous row.</summary>
    internal static void SoftmaxRow(float* x, float* y, long n)
    {
        float m = RowMax(x, n);
        double sum = ExpSum(x, n, 1f, m, y);
        Simd.Affine(y, (float)(1.0 / sum), 0f, y, n);
    }

    /// <summary>y = (x − m) − ln Σ eˣ⁻ᵐ, in two roundings like PyTorch, so large logits keep their small differences.</summary>
    static void LogSoftmaxRow(float* x, float* y, long n)
    {
        float m = RowMax(x, n);
        float logSum = (float)Math.Log(ExpSum(x, n, 1f, m, null));
        Simd.Affine(x, 1f, -m, y, n);
        Simd.Affine(y, 1f, -logSum, y, n);
    }

    /// <summary>gx = y·(gy − Σ gy·y); gx may alias y.</summary>
    internal static void SoftmaxBackwardRow(float* y, float* gy, float* gx, long n)
    {
        float s = (float)Dot(gy, y, n);
        long i = 0;
        if (Simd.Has512)
        {
            var vs = Vector512.Create(s);
            for (; i + 16 <= n; i += 16) Vector512.Store(Vector512.Load(y + i) * (Vector512.Load(gy + i) - vs), gx + i);
        }
        for (; i < n; i++) gx[i] = y[i] * (gy[i] - s);
    }

    /// <summary>gx = gy − e^y·Σ gy (y = log-probabilities, so e^y = probabilities).</summary>
    static void LogSoftmaxBackwardRow(float* y, float* gy, float* gx, long n)
    {
        float s = (float)Simd.SumInDouble(gy, n);
        long i = 0;
        if (Simd.Has512)
        {
            var vs = Vector512.Create(s);
            for (; i + 16 <= n; i += 16)
                Vector512.Store(Vector512.FusedMultiplyAdd(-Simd.Exp(Vector512.Load(y + i)), vs, Vector512.Load(gy + i)), gx + i);
        }
        for (; i < n; i++) gx[i] = gy[i] - MathF.Exp(y[i]) * s;
    }

    /// <summary>KL(softmax(t/T) ‖ softmax(s/T)) for one row, with the log-probabilities taken as z − logsumexp(z).</summary>
    static double KdRow(float* s, float* t, long n, float invT)
    {
        // KL = Σ p_t·(log p_t − log p_s) = Σ p_t·(z_t − z_s) − (lse_t − lse_s), z = x/T and Σ p_t = 1.
        // With e = exp(z_t − m_t) and E = Σ e: Σ p_t·(z_t − z_s) = Σ e·(z_t − z_s) / E and lse_t = m_t + ln E.
        double lseS = LogSumExp(s, n, invT);
        float mt = invT * RowMax(t, n);
        long i = 0;
        double e = 0, w = 0;
        if (Simd.Has512)
        {
            var vT = Vector512.Create(invT);
            var vShift = Vector512.Create(-mt);
            var accE = Vector512<float>.Zero;
            var accW = Vector512<float>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                var vt = Vector512.Load(t + i);
                var ex = Simd.Exp(Vector512.FusedMultiplyAdd(vt, vT, vShift));
                accE += ex;
                accW = Vector512.FusedMultiplyAdd(ex, (vt - Vector512.Load(s + i)) * vT, accW);
            }
            e = Vector512.Sum(accE);
            w = Vector512.Sum(accW);
        }
        for (; i < n; i++)
        {
            double ex = MathF.Exp(MathF.FusedMultiplyAdd(t[i], invT, -mt));
            e += ex;
            w += ex * ((t[i] - s[i]) * invT);
        }
        return w / e - (mt + Math.Log(e)) + lseS;
    }

    /// <summary>max of x[0..n), n ≥ 1 (NaN if the row holds one, so that it propagates).</summary>
    internal static float RowMax(float* x, long n)
    {
        long i = 1;
        float m = x[0];
        if (Simd.Has512 && n >= 16)
        {
            var acc = Vector512.Load(x);
            for (i = 16; i + 16 <= n; i += 16) acc = Vector512.Max(acc, Vector512.Load(x + i));
            m = acc.GetElement(0);
            for (int k = 1; k < 16; k++) m = MaxPropagate(m, acc.GetElement(k));
        }
        for (; i < n; i++) m = MaxPropagate(m, x[i]);
        return m;
    }

    static float MaxPropagate(float a, float b) => float.IsNaN(a) || a >= b ? a : b;

    /// <summary>Σ exp(scale·x − shift) in float64, also storing each term in <paramref name="terms"/> when it is given.</summary>
    internal static double ExpSum(float* x, long n, float scale, float shift, float* terms)
    {
        long i = 0;
        double total = 0;
        if (Simd.Has512)
        {
            var vScale = Vector512.Create(scale);
            var vShift = Vector512.Create(-shift);
            var acc = Vector512<float>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                var e = Simd.Exp(Vector512.FusedMultiplyAdd(Vector512.Load(x + i), vScale, vShift));
                if (terms != null) Vector512.Store(e, terms + i);
                acc += e;
            }
            total = Vector512.Sum(acc);
        }
        for (; i < n; i++)
        {
            float e = MathF.Exp(MathF.FusedMultiplyAdd(x[i], scale, -shift));
            if (terms != null) terms[i] = e;
            total += e;
        }
        return total;
    }

    /// <summary>y[i] += alpha · exp(scale·x[i] − shift).</summary>
    static void AddScaledExp(float* x, long n, float scale, float shift, float alpha, float* y)
    {
        long i = 0;
        if (Simd.Has512)
        {
            var vScale = Vector512.Create(scale);
            var vShift = Vector512.Create(-shift);
            var vAlpha = Vector512.Create(alpha);
            for (; i + 16 <= n; i += 16)
            {
                var e = Simd.Exp(Vector512.FusedMultiplyAdd(Vector512.Load(x + i), vScale, vShift));
                Vector512.Store(Vector512.FusedMultiplyAdd(e, vAlpha, Vector512.Load(y + i)), y + i);
            }
        }
        for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd(MathF.Exp(MathF.FusedMultiplyAdd(x[i], scale, -shift)), alpha, y[i]);
    }

    /// <summary>ln Σ exp(scale·x) = m + ln Σ exp(scale·x − m), m = scale·max x (scale &gt; 0), in float64.</summary>
    static double LogSumExp(float* x, long n, float scale)
    {
        float m = scale * RowMax(x, n);
        return m + Math.Log(ExpSum(x, n, scale, m, null));
    }

    /// <summary>Σ a[i]·b[i] in float64.</summary>
    static double Dot(float* a, float* b, long n)
    {
        long i = 0;
        double total = 0;
        if (Simd.Has512)
        {
            var acc = Vector512<float>.Zero;
            for (; i + 16 <= n; i += 16) acc = Vector512.FusedMultiplyAdd(Vector512.Load(a + i), Vector512.Load(b + i), acc);
            total = Vector512.Sum(acc);
        }
        for (; i < n; i++) total += (double)a[i] * b[i];
        return total;
    }
}
