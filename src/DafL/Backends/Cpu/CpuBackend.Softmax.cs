using System.Runtime.Intrinsics;

namespace DafL.Backends.Cpu;

/// <summary>
/// Softmax, log-softmax and the losses built on them. Everything works on rows: a row is one softmax (the
/// contiguous last dimension, or a strided column gathered into a buffer), and rows run in parallel. Each row is
/// max-subtracted before exp, so no logit overflows; probabilities are eˣ⁻ᵐ / Σ eˣ⁻ᵐ and log-probabilities
/// x − (m + ln Σ eˣ⁻ᵐ). Loss sums accumulate in float64 over rows in a fixed order.
/// </summary>
public sealed unsafe partial class CpuBackend
{
    /// <summary>Elements of work per parallel chunk of rows.</summary>
    const long RowGrain = 1 << 14;

    public void Softmax(Tensor x, Tensor y, int dim, bool log)
    {
        float* px = x.Ptr, py = y.Ptr;
        ForEachRow(x.Shape, dim, [px], py, (src, dst, n) =>
        {
            if (log) LogSoftmaxRow(src[0], dst, n);
            else SoftmaxRow(src[0], dst, n);
        });
    }

    public void SoftmaxBackward(Tensor y, Tensor gy, Tensor gx, int dim, bool log)
    {
        float* py = y.Ptr, pg = gy.Ptr, po = gx.Ptr;
        ForEachRow(y.Shape, dim, [py, pg], po, (src, dst, n) =>
        {
            if (log) LogSoftmaxBackwardRow(src[0], src[1], dst, n);
            else SoftmaxBackwardRow(src[0], src[1], dst, n);
        });
    }

    public void CrossEntropy(Tensor logits, Tensor targets, Tensor loss)
    {
        float* px = logits.Ptr;
        long rows = logits.Shape[0], classes = logits.Shape[1];
        var index = ClassIndices(targets, classes);
        double total = DeterministicSum(rows, Math.Max(1, RowGrain / classes), (from, to) =>
        {
            double s = 0;
            for (long i = from; i < to; i++)
            {
                float* row = px + i * classes;
                s += LogSumExp(row, classes, 1f) - row[index[i]];
            }
            return s;
        });
        loss.Ptr[0] = (float)(total / rows);
    }

    public void CrossEntropyBackward(Tensor logits, Tensor targets, Tensor gLoss, Tensor gLogits)
    {
        float* px = logits.Ptr, pg = gLogits.Ptr;
        long rows = logits.Shape[0], classes = logits.Shape[1];
        float g = gLoss.Ptr[0] / rows;
        var index = ClassIndices(targets, classes);
        Parallelism.ForRanges(rows, Math.Max(1, RowGrain / classes), (from, to) =>
        {
            for (long i = from; i < to; i++)
            {
                float* gRow = pg + i * classes;
                SoftmaxRow(px + i * classes, gRow, classes);
                Simd.Affine(gRow, g, 0f, gRow, classes);
                gRow[index[i]] -= g;
            }
        });
    }

    public void KlDiv(Tensor logProbs, Tensor target, Tensor loss, float scale)
    {
        float* px = logProbs.Ptr, pt = target.Ptr;
        double total = DeterministicSum(logProbs.Numel, SumChunk, (from, to) =>
        {
            double s = 0;
            for (long i = from; i < to; i++)
            {
                // PyTorch: xlogy(t, t) − t·x, with xlogy(0, ·) = 0 so that absent classes add nothing.
                double t = pt[i];
                s += (t == 0 ? 0 : t * Math.Log(t)) - t * px[i];
            }
            return s;
        });
        loss.Ptr[0] = (float)(scale * total);
    }

    public void KlDivBackward(Tensor logProbs, Tensor target, Tensor gLoss, Tensor? gLogProbs, Tensor? gTarget, float scale)
    {
        float* px = logProbs.Ptr, pt = target.Ptr;
        float* gx = gLogProbs == null ? null : gLogProbs.Ptr;
        float* gt = gTarget == null ? null : gTarget.Ptr;
        float g = gLoss.Ptr[0] * scale;
        Parallelism.ForRanges(logProbs.Numel, ElementwiseGrain, (from, to) =>
        {
            for (long i = from; i < to; i++)
            {
                if (gx != null) gx[i] = -g * pt[i];
                // d/dt [t·ln t − t·x] = ln t + 1 − x. At t = 0 PyTorch's xlogy backward gives 0/0 = NaN; so does this.
                if (gt != null) gt[i] = pt[i] == 0 ? float.NaN : g * (MathF.Log(pt[i]) + 1f - px[i]);
            }
        });
    }

    public void KdLoss(Tensor student, Tensor teacher, Tensor loss, float temperature)
    {
        float* ps = student.Ptr, pt = teacher.Ptr;
        long rows = student.Shape[0], classes = student.Shape[1];
        float invT = 1f / temperature;
        double total = DeterministicSum(rows, Math.Max(1, RowGrain / classes), (from, to) =>
        {
            double s = 0;
            for (long i = from; i < to; i++) s += KdRow(ps + i * classes, pt + i * classes, classes, invT);
            return s;
        });
        loss.Ptr[0] = (float)(total / rows);
    }

    public void KdLossBackward(Tensor student, Tensor teacher, Tensor gLoss, Tensor gStudent, float temperature)
    {
        float* ps = student.Ptr, pt = teacher.Ptr, pg = gStudent.Ptr;
        long rows = student.Shape[0], classes = student.Shape[1];
        float invT = 1f / temperature;
        float g = gLoss.Ptr[0] / (rows * temperature);
        Parallelism.ForRanges(rows, Math.Max(1, RowGrain / classes), (from, to) =>
        {
            for (long i = from; i < to; i++)
            {
                float* s = ps + i * classes, t = pt + i * classes, gRow = pg + i * classes;
                // g·p_s: the student's tempered softmax, scaled.
                float ms = invT * RowMax(s, classes);
                double sumS = ExpSum(s, classes, invT, ms, gRow);
                Simd.Affine(gRow, (float)(g / sumS), 0f, gRow, classes);
                // − g·p_t: the teacher's tempered softmax, added without a buffer.
                float mt = invT * RowMax(t, classes);
                double sumT = ExpSum(t, classes, invT, mt, null);
                AddScaledExp(t, classes, invT, mt, (float)(-g / sumT), gRow);
            }
        });
    }

    // ---------------------------------------------------------------- rows

    /// <summary>
    /// Runs <paramref name="body"/>(sources, destination, length) on every softmax row along <paramref name="dim"/>
    /// of contiguous tensors of <paramref name="shape"/>. When the dimension is not the last one, each strided row is
    /// gathered into a per-chunk buffer and the result scattered back, so the row kernels always see contiguous data.
    /// </summary>
    static void ForEachRow(int[] shape, int dim, float*[] sources, float* destination, RowBody body)
    {
        var (outer, size, inner) = DimSplit.Around(shape, dim);
        if (size == 0) return;
        Parallelism.ForRanges(outer * inner, Math.Max(1, RowGrain / size), (from, to) =>
        {
            var src = new float*[sources.Length];
            if (inner == 1)
            {
                for (long r = from; r < to; r++)
                {
                    for (int k = 0; k < sources.Length; k++) src[k] = sources[k] + r * size;
                    body(src, destination + r * size, size);
                }
                return;
            }
            var buffer = new float[(sources.Length + 1) * size];
            fixed (float* b = buffer)
            {
                for (int k = 0; k < sources.Length; k++) src[k] = b + k * size;
                float* dst = b + sources.Length * size;
                for (long r = from; r < to; r++)
                {
                    long start = r / inner * size * inner + r % inner;
                    for (int k = 0; k < sources.Length; k++)
                        for (long j = 0; j < size; j++) src[k][j] = sources[k][start + j * inner];
                    body(src, dst, size);
                    for (long j = 0; j < size; j++) destination[start + j * inner] = dst[j];
                }
            }
        });
    }

    delegate void RowBody(float*[] sources, float* destination, long length);

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

    /// <summary>The targets (N) as class indices in [0, classes), or an error naming the op, the row and the value.</summary>
    static long[] ClassIndices(Tensor targets, long classes)
    {
        float* pt = targets.Ptr;
        var index = new long[targets.Numel];
        for (long i = 0; i < index.Length; i++)
        {
            float t = pt[i];
            if (!(t >= 0 && t < classes && t == MathF.Floor(t)))
                throw new ArgumentException($"cross_entropy: target {t} in row {i} is not a class index in [0, {classes}).");
            index[i] = (long)t;
        }
        return index;
    }
}
