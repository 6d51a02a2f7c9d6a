using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DafL.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    // Every pooling kernel works on independent (H, W) planes, one per (n, c): tasks take groups of planes,
    // and scatters in the backward passes stay inside one plane, so overlapping windows never race.

    public void MaxPool2d(Tensor x, int kernel, int stride, Tensor y, Tensor indices)
    {
        int w = x.Shape[3], oh = y.Shape[2], ow = y.Shape[3];
        long inPlane = (long)x.Shape[2] * w, outPlane = (long)oh * ow;
        float* px = x.Ptr, py = y.Ptr, pi = indices.Ptr;
        Parallelism.ForRanges(PlaneCount(x), PlaneGrain(inPlane), (from, to) =>
        {
            for (long p = from; p < to; p++)
            {
                float* src = px + p * inPlane, dst = py + p * outPlane, idx = pi + p * outPlane;
                if (kernel == 2 && stride == 2) MaxPool2x2Plane(src, w, oh, ow, dst, idx);
                else MaxPoolPlane(src, w, kernel, stride, oh, ow, dst, idx);
            }
        });
    }

    public void MaxPool2dBackward(Tensor gy, Tensor indices, Tensor gx)
    {
        long inPlane = (long)gx.Shape[2] * gx.Shape[3], outPlane = (long)gy.Shape[2] * gy.Shape[3];
        float* pg = gy.Ptr, pi = indices.Ptr, pgx = gx.Ptr;
        Parallelism.ForRanges(PlaneCount(gx), PlaneGrain(inPlane), (from, to) =>
        {
            for (long p = from; p < to; p++)
            {
                float* g = pg + p * outPlane, idx = pi + p * outPlane, dst = pgx + p * inPlane;
                new Span<float>(dst, (int)inPlane).Clear();
                for (long j = 0; j < outPlane; j++) dst[(int)idx[j]] += g[j];
            }
        });
    }

    public void AvgPool2d(Tensor x, int kernel, int stride, Tensor y)
    {
        int h = x.Shape[2], w = x.Shape[3], oh = y.Shape[2], ow = y.Shape[3];
        long inPlane = (long)h * w, outPlane = (long)oh * ow;
        float* px = x.Ptr, py = y.Ptr;
        float inv = 1f / (kernel * kernel);
        bool global = kernel == h && kernel == w; // ResNet's head: the whole plane into one value
        Parallelism.ForRanges(PlaneCount(x), PlaneGrain(inPlane), (from, to) =>
        {
            for (long p = from; p < to; p++)
            {
                float* src = px + p * inPlane, dst = py + p * outPlane;
                if (global) dst[0] = (float)(Simd.SumInDouble(src, inPlane) / inPlane); // float64 on every machine, as the CUDA kernel
                else if (kernel == 2 && stride == 2)
                {
                    for (int oy = 0; oy < oh; oy++)
                    {
                        float* r0 = src + 2 * oy * w, r1 = r0 + w, o = dst + oy * ow;
                        for (int ox = 0; ox < ow; ox++) o[ox] = (r0[2 * ox] + r0[2 * ox + 1] + r1[2 * ox] + r1[2 * ox + 1]) * 0.25f;
                    }
                }
                else
                {
                    for (int oy = 0; oy < oh; oy++)
                        for (int ox = 0; ox < ow; ox++)
                        {
                            float sum = 0;
                            for (int ky = 0; ky < kernel; ky++)
                            {
                                float* row = src + (oy * stride + ky) * w + ox * stride;
                                for (int kx = 0; kx < kernel; kx++) sum += row[kx];
                            }
                            dst[oy * ow + ox] = sum * inv;
                        }
                }
            }
        });
    }

    public void AvgPool2dBackward(Tensor gy, int kernel, int stride, Tensor gx)
    {
        int h = gx.Shape[2], w = gx.Shape[3], oh = gy.Shape[2], ow = gy.Shape[3];
        long inPlane = (long)h * w, outPlane = (long)oh * ow;
        float* pg = gy.Ptr, pgx = gx.Ptr;
        float inv = 1f / (kernel * kernel);
        bool global = kernel == h && kernel == w;
        Parallelism.ForRanges(PlaneCount(gx), PlaneGrain(inPlane), (from, to) =>
        {
            for (long p = from; p < to; p++)
            {
                float* g = pg + p * outPlane, dst = pgx + p * inPlane;
                if (global)
                {
                    new Span<float>(dst, (int)inPlane).Fill(g[0] * inv);
                    continue;
                }
                new Span<float>(dst, (int)inPlane).Clear(); // stride > kernel leaves gaps; stride < kernel overlaps and adds
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        float v = g[oy * ow + ox] * inv;
                        for (int ky = 0; ky < kernel; ky++)
                        {
                            float* row = dst + (oy * stride + ky) * w + ox * stride;
                            for (int kx = 0; kx < kernel; kx++) row[kx] += v;
                        }
                    }
            }
        });
    }

    public void UpsampleNearest(Tensor x, int scale, Tensor y)
    {
        int h = x.Shape[2], w = x.Shape[3], ow = w * scale;
        long inPlane = (long)h * w, outPlane = inPlane * scale * scale;
        float* px = x.Ptr, py = y.Ptr;
        Parallelism.ForRanges(PlaneCount(x), PlaneGrain(outPlane), (from, to) =>
        {
            for (long p = from; p < to; p++)
                for (int iy = 0; iy < h; iy++)
                {
                    float* src = px + p * inPlane + (long)iy * w;
                    float* first = py + p * outPlane + (long)iy * scale * ow;
                    if (scale == 2) DuplicatePairs(src, first, w);
                    else
                        for (int ix = 0; ix < w; ix++)
                            new Span<float>(first + ix * scale, scale).Fill(src[ix]);
                    var row = new ReadOnlySpan<float>(first, ow);
                    for (int r = 1; r < scale; r++) row.CopyTo(new Span<float>(first + (long)r * ow, ow));
                }
        });
    }

    public void UpsampleNearestBackward(Tensor gy, int scale, Tensor gx)
    {
        int h = gx.Shape[2], w = gx.Shape[3], ow = w * scale;
        long inPlane = (long)h * w, outPlane = inPlane * scale * scale;
        float* pg = gy.Ptr, pgx = gx.Ptr;
        Parallelism.ForRanges(PlaneCount(gx), PlaneGrain(outPlane), (from, to) =>
        {
            for (long p = from; p < to; p++)
                for (int iy = 0; iy < h; iy++)
                {
                    float* dst = pgx + p * inPlane + (long)iy * w;
                    float* block = pg + p * outPlane + (long)iy * scale * ow; // the scale rows that copied row iy
                    if (scale == 2)
                    {
                        SumPairsOfTwoRows(block, block + ow, dst, w);
                        continue;
                    }
                    for (int ix = 0; ix < w; ix++)
                    {
                        // The contract's order (and the CUDA kernel's): each column of the window down its rows,
                        // then the column sums left to right, which is also what SumPairsOfTwoRows vectorises.
                        float sum = 0;
                        for (int k = 0; k < scale; k++)
                        {
                            float column = 0;
                            for (int r = 0; r < scale; r++) column += block[(long)r * ow + ix * scale + k];
                            sum += column;
                        }
                        dst[ix] = sum;
                    }
                }
        });
    }

    static long PlaneCount(Tensor t) => (long)t.Shape[0] * t.Shape[1];

    /// <summary>Planes per task, so that each task covers at least about 32K elements.</summary>
    static long PlaneGrain(long perPlane) => Math.Max(1, (1 << 15) / Math.Max(perPlane, 1));

    /// <summary>One plane of max pooling; ties keep the first maximum in row-major window order, NaN wins (PyTorch).</summary>
    static void MaxPoolPlane(float* src, int w, int kernel, int stride, int oh, int ow, float* dst, float* idx)
    {
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
            {
                int best = oy * stride * w + ox * stride;
                float max = src[best];
                for (int ky = 0; ky < kernel; ky++)
                {
                    int row = (oy * stride + ky) * w + ox * stride;
                    for (int kx = 0; kx < kernel; kx++)
                    {
                        float v = src[row + kx];
                        if (v > max || float.IsNaN(v))
                        {
                            max = v;
                            best = row + kx;
                        }
                    }
                }
                dst[oy * ow + ox] = max;
                idx[oy * ow + ox] = best;
            }
    }

    /// <summary>
    /// <see cref="MaxPoolPlane"/> for kernel 2, stride 2 (LeNet): per output row, the two input rows are split into
    /// even and odd columns and the four window positions are compared branch-free, in the scalar rule's order.
    /// </summary>
    static void MaxPool2x2Plane(float* src, int w, int oh, int ow, float* dst, float* idx)
    {
        for (int oy = 0; oy < oh; oy++)
        {
            int top = 2 * oy * w, ox = 0;
            float* r0 = src + top, r1 = r0 + w, o = dst + oy * ow, io = idx + oy * ow;
            if (Avx512F.IsSupported)
                for (; ox + 16 <= ow; ox += 16)
                {
                    var (a, b) = Deinterleave512(r0 + 2 * ox);
                    var (c, d) = Deinterleave512(r1 + 2 * ox);
                    var first = Vector512.Create((float)(top + 2 * ox)) + Vector512.ConvertToSingle(Evens512);
                    var (max, at) = (a, first);
                    TakeLarger(b, first + Vector512<float>.One, ref max, ref at);
                    TakeLarger(c, first + Vector512.Create((float)w), ref max, ref at);
                    TakeLarger(d, first + Vector512.Create(w + 1f), ref max, ref at);
                    Vector512.Store(max, o + ox);
                    Vector512.Store(at, io + ox);
                }
            if (Avx2.IsSupported)
                for (; ox + 8 <= ow; ox += 8)
                {
                    var (a, b) = Deinterleave256(r0 + 2 * ox);
                    var (c, d) = Deinterleave256(r1 + 2 * ox);
                    var first = Vector256.Create((float)(top + 2 * ox)) + Vector256.ConvertToSingle(Evens256);
                    var (max, at) = (a, first);
                    TakeLarger(b, first + Vector256<float>.One, ref max, ref at);
                    TakeLarger(c, first + Vector256.Create((float)w), ref max, ref at);
                    TakeLarger(d, first + Vector256.Create(w + 1f), ref max, ref at);
                    Vector256.Store(max, o + ox);
                    Vector256.Store(at, io + ox);
                }
            for (; ox < ow; ox++)
            {
                int first = top + 2 * ox, best = first;
                float max = src[first];
                Consider(src, first + 1, ref max, ref best);
                Consider(src, first + w, ref max, ref best);
                Consider(src, first + w + 1, ref max, ref best);
                o[ox] = max;
                io[ox] = best;
            }
        }
    }

    static void Consider(float* src, int at, ref float max, ref int best)
    {
        float v = src[at];
        if (v > max || float.IsNaN(v))
        {
            max = v;
            best = at;
        }
    }

    /// <summary>Where v &gt; max or v is NaN (the scalar rule), max = v and at = pos.</summary>
    static void TakeLarger(Vector512<float> v, Vector512<float> pos, ref Vector512<float> max, ref Vector512<float> at)
    {
        var take = Vector512.GreaterThan(v, max) | ~Vector512.Equals(v, v);
        max = Vector512.ConditionalSelect(take, v, max);
        at = Vector512.ConditionalSelect(take, pos, at);
    }

    static void TakeLarger(Vector256<float> v, Vector256<float> pos, ref Vector256<float> max, ref Vector256<float> at)
    {
        var take = Vector256.GreaterThan(v, max) | ~Vector256.Equals(v, v);
        max = Vector256.ConditionalSelect(take, v, max);
        at = Vector256.ConditionalSelect(take, pos, at);
    }

    /// <summary>32 floats from p split into (even columns, odd columns).</summary>
    static (Vector512<float> Even, Vector512<float> Odd) Deinterleave512(float* p)
    {
        Vector512<float> lo = Vector512.Load(p), hi = Vector512.Load(p + 16);
        return (Avx512F.PermuteVar16x32x2(lo, Evens512, hi), Avx512F.PermuteVar16x32x2(lo, Odds512, hi));
    }

    /// <summary>16 floats from p split into (even columns, odd columns).</summary>
    static (Vector256<float> Even, Vector256<float> Odd) Deinterleave256(float* p)
    {
        Vector256<float> lo = Vector256.Load(p), hi = Vector256.Load(p + 8);
        // Within 128-bit lanes: [lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6]; reordering the 64-bit halves makes it [lo0 lo2 lo4 lo6 hi0 hi2 hi4 hi6].
        var even = Avx2.Permute4x64(Avx.Shuffle(lo, hi, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();
        var odd = Avx2.Permute4x64(Avx.Shuffle(lo, hi, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
        return (even, odd);
    }

    static readonly Vector512<int> PairIndices512 = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    static readonly Vector256<int> PairIndices256 = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);
    static readonly Vector512<int> Evens512 = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    static readonly Vector256<int> Evens256 = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
    static readonly Vector512<int> Odds512 = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);

    /// <summary>dst[2i] = dst[2i + 1] = src[i] for i &lt; n: one output row of a ×2 nearest upsample.</summary>
    static void DuplicatePairs(float* src, float* dst, int n)
    {
        int i = 0;
        if (Avx512F.IsSupported)
            for (; i + 8 <= n; i += 8)
                Vector512.Store(Avx512F.PermuteVar16x32(Vector256.Load(src + i).ToVector512Unsafe(), PairIndices512), dst + 2 * i);
        if (Avx2.IsSupported)
            for (; i + 4 <= n; i += 4)
                Vector256.Store(Avx2.PermuteVar8x32(Vector128.Load(src + i).ToVector256Unsafe(), PairIndices256), dst + 2 * i);
        for (; i < n; i++) dst[2 * i] = dst[2 * i + 1] = src[i];
    }

    /// <summary>dst[i] = a[2i] + a[2i + 1] + b[2i] + b[2i + 1] for i &lt; n: the ×2 upsample gradient of one row.</summary>
    static void SumPairsOfTwoRows(float* a, float* b, float* dst, int n)
    {
        int i = 0;
        if (Avx512F.IsSupported)
            for (; i + 16 <= n; i += 16)
            {
                var lo = Vector512.Load(a + 2 * i) + Vector512.Load(b + 2 * i);           // columns 2i .. 2i+15
                var hi = Vector512.Load(a + 2 * i + 16) + Vector512.Load(b + 2 * i + 16); // columns 2i+16 .. 2i+31
                Vector512.Store(Avx512F.PermuteVar16x32x2(lo, Evens512, hi) + Avx512F.PermuteVar16x32x2(lo, Odds512, hi), dst + i);
            }
        if (Avx2.IsSupported)
            for (; i + 8 <= n; i += 8)
            {
                var lo = Vector256.Load(a + 2 * i) + Vector256.Load(b + 2 * i);
                var hi = Vector256.Load(a + 2 * i + 8) + Vector256.Load(b + 2 * i + 8);
                // hadd pairs within 128-bit lanes: [lo01 lo23 hi01 hi23 | lo45 lo67 hi45 hi67]; reorder the 64-bit halves.
                var sums = Avx.HorizontalAdd(lo, hi).AsDouble();
                Vector256.Store(Avx2.Permute4x64(sums, 0b11_01_10_00).AsSingle(), dst + i);
            }
        for (; i < n; i++) dst[i] = (a[2 * i] + b[2 * i]) + (a[2 * i + 1] + b[2 * i + 1]); // as the vector paths: columns first
    }
}
