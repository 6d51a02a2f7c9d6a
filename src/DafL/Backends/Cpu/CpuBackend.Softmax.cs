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
