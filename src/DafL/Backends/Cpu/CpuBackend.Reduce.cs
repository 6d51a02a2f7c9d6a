using System.Runtime.Intrinsics;

namespace DafL.Backends.Cpu;

/// <summary>
/// Reductions. <see cref="SumTo"/> collapses the reduction with <see cref="BroadcastLayout"/> into kept (K) and
/// reduced (R) dimensions and runs a dedicated loop for the shapes that training produces:
/// "K? R K?" (whole sums, row sums as in Sum(x, -1), column sums as in a bias gradient) and "R K R" (per-channel sums
/// over (N, C, H·W) as in a conv-bias gradient); anything else takes a plain loop. All of them accumulate in float64,
/// and parallel sums add their chunks' partials in a fixed order, so a result does not depend on the core count.
/// </summary>
public sealed unsafe partial class CpuBackend
{
    /// <summary>Elements per chunk of a parallel sum (fixed, so results are the same on every machine).</summary>
    const long SumChunk = 1 << 16;
    /// <summary>Width of the float64 accumulator block used when the kept dimension is innermost.</summary>
    const int ColumnBlock = 512;

    public void SumTo(Tensor x, Tensor y, float scale)
    {
        float* px = x.Ptr, py = y.Ptr;
        if (x.Numel == 0)
        {
            // Sum of nothing is 0; a mean of nothing is 0·∞ = NaN, as in PyTorch.
            y.Span.Fill((float)(0.0 * scale));
            return;
        }
        var pattern = SumPattern.Of(x.Shape, y.Shape);
        switch (pattern.Kind)
        {
            case SumKind.Copy: Affine(x, y, scale, 0f); break;
            case SumKind.OuterReduceInner: SumOuterReduceInner(px, py, pattern.Outer, pattern.Middle, pattern.Inner, scale); break;
            case SumKind.ReduceKeepReduce: SumReduceKeepReduce(px, py, pattern.Outer, pattern.Middle, pattern.Inner, scale); break;
            default: SumGeneric(px, py, pattern.Layout, y.Numel, scale); break;
        }
    }

    public void Expand(Tensor x, Tensor y, float scale)
    {
        float* px = x.Ptr, py = y.Ptr;
        var layout = BroadcastLayout.Create(y.Shape, x.Shape);
        long inner = layout.Inner, sx = layout.InnerStride(0);
        Parallelism.ForRanges(layout.Numel, ElementwiseGrain, (from, to) =>
        {
            for (long pos = from; pos < to;)
            {
                long row = pos / inner, col = pos % inner, len = Math.Min(inner - col, to - pos);
                float* src = px + layout.RowOffset(0, row) + col * sx;
                if (sx == 0) new Span<float>(py + pos, checked((int)len)).Fill(scale * *src);
                else Simd.Affine(src, scale, 0f, py + pos, len);
                pos += len;
            }
        });
    }

    public void Argmax(Tensor x, Tensor y, int dim)
    {
        float* px = x.Ptr, py = y.Ptr;
        var (outer, size, inner) = DimSplit.Around(x.Shape, dim);
        Parallelism.ForRanges(outer * inner, Math.Max(1, ElementwiseGrain / size), (from, to) =>
        {
            for (long p = from; p < to; p++)
            {
                float* v = px + p / inner * size * inner + p % inner;
                long best = 0;
                float max = v[0];
                for (long j = 1; j < size && !float.IsNaN(max); j++)
                {
                    float e = v[j * inner];
                    if (e > max || float.IsNaN(e))
                    {
                        max = e;
                        best = j;
                    }
                }
                py[p] = best;
            }
        });
    }

    // ---------------------------------------------------------------- sum patterns

    /// <summary>y[o, i] = scale · Σ_r x[o, r, i] for x (O, R, I).</summary>
    static void SumOuterReduceInner(float* x, float* y, long outer, long reduce, long inner, float scale)
    {
        if (inner == 1)
        {
            if (outer == 1)
            {
                y[0] = (float)(scale * DeterministicSum(reduce, SumChunk, (from, to) => Simd.SumInDouble(x + from, to - from)));
                return;
            }
            Parallelism.ForRanges(outer, Math.Max(1, SumChunk / reduce), (from, to) =>
            {
                for (long o = from; o < to; o++) y[o] = (float)(scale * Simd.SumInDouble(x + o * reduce, reduce));
            });
            return;
        }
        // Kept dimension innermost: add whole rows of x into a float64 block, streaming x contiguously.
        long blocks = (inner + ColumnBlock - 1) / ColumnBlock;
        Parallelism.ForRanges(outer * blocks, Math.Max(1, SumChunk / (reduce * Math.Min(inner, ColumnBlock))), (from, to) =>
        {
            double* acc = stackalloc double[ColumnBlock];
            for (long task = from; task < to; task++)
            {
                long o = task / blocks, i0 = task % blocks * ColumnBlock, len = Math.Min(ColumnBlock, inner - i0);
                new Span<double>(acc, (int)len).Clear();
                float* src = x + o * reduce * inner + i0;
                for (long r = 0; r < reduce; r++) AccumulateWide(acc, src + r * inner, len);
                float* dst = y + o * inner + i0;
                for (long j = 0; j < len; j++) dst[j] = (float)(scale * acc[j]);
            }
        });
    }

    /// <summary>y[k] = scale · Σ_a Σ_b x[a, k, b] for x (R0, K, R1): per-channel sums over (N, C, H·W).</summary>
    static void SumReduceKeepReduce(float* x, float* y, long outer, long kept, long inner, float scale)
    {
        Parallelism.ForRanges(kept, Math.Max(1, SumChunk / (outer * inner)), (from, to) =>
        {
            for (long k = from; k < to; k++)
            {
                double s = 0;
                for (long a = 0; a < outer; a++) s += Simd.SumInDouble(x + (a * kept + k) * inner, inner);
                y[k] = (float)(scale * s);
            }
        });
    }

    /// <summary>Any other pattern: one pass over x in order, adding each element into its output slot.</summary>
    static void SumGeneric(float* x, float* y, BroadcastLayout layout, long outCount, float scale)
    {
        var sizes = layout.Sizes;
        var ys = layout.Strides[0];
        var acc = new double[outCount];
        var index = new long[sizes.Length];
        long yOffset = 0;
        for (long n = 0; n < layout.Numel; n++)
        {
            acc[yOffset] += x[n];
            for (int d = sizes.Length - 1; d >= 0; d--)
            {
                yOffset += ys[d];
                if (++index[d] < sizes[d]) break;
                yOffset -= ys[d] * sizes[d];
                index[d] = 0;
            }
        }
        for (long j = 0; j < outCount; j++) y[j] = (float)(scale * acc[j]);
    }

    // ---------------------------------------------------------------- shared helpers

    /// <summary>
    /// Σ of <paramref name="partial"/>(from, to) over [0, count) cut into fixed chunks of <paramref name="grain"/>,
    /// run in parallel and added in chunk order: the result is the same whatever the number of cores.
    /// </summary>
    internal static double DeterministicSum(long count, long grain, Func<long, long, double> partial)
    {
        long chunks = Math.Max(1, (count + grain - 1) / grain);
        if (chunks == 1) return partial(0, count);
        var partials = new double[chunks];
        Parallel.For(0, chunks, Parallelism.OneThreadPerCore, c => partials[c] = partial(c * grain, Math.Min(count, (c + 1) * grain)));
        double total = 0;
        foreach (var p in partials) total += p;
        return total;
    }

    /// <summary>acc[i] += x[i] in float64.</summary>
    internal static void AccumulateWide(double* acc, float* x, long n)
    {
        long i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var (lo, hi) = Vector256.Widen(Vector256.Load(x + i));
            Vector256.Store(Vector256.Load(acc + i) + lo, acc + i);
            Vector256.Store(Vector256.Load(acc + i + 4) + hi, acc + i + 4);
        }
        for (; i < n; i++) acc[i] += x[i];
    }
}
