using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static DafL.Backends.Cpu.VectorOps;

namespace DafL.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    // Every pooling kernel works on independent (H, W) planes, one per (n, c): tasks take groups of planes,
    // and scatters in the backward passes stay inside one plane, so overlapping windows never race.
    // Nearest upsampling, which works on planes the same way, is in CpuBackend.Upsample.cs.

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
            if (Avx512F.IsSupported) ox = MaxPool2x2Vectors<Vector512<float>>(r0, r1, top, w, ox, ow, o, io);
            if (Avx2.IsSupported) ox = MaxPool2x2Vectors<Vector256<float>>(r0, r1, top, w, ox, ow, o, io);
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

    /// <summary>
    /// Output columns ox, ox + 1, … of one row of <see cref="MaxPool2x2Plane"/>, a vector of them at a time while a
    /// whole vector fits before <paramref name="ow"/>; returns the first column left. The four window positions of
    /// each lane are compared in the scalar rule's order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int MaxPool2x2Vectors<TVector>(float* r0, float* r1, int top, int w, int ox, int ow, float* o, float* io) where TVector : struct
    {
        for (int n = Count<TVector>(); ox + n <= ow; ox += n)
        {
            var (a, b) = Deinterleave<TVector>(r0 + 2 * ox);
            var (c, d) = Deinterleave<TVector>(r1 + 2 * ox);
            var first = VectorOps.Add(Create<TVector>(top + 2 * ox), EvenColumns<TVector>());
            var (max, at) = (a, first);
            TakeLarger(b, VectorOps.Add(first, One<TVector>()), ref max, ref at);
            TakeLarger(c, VectorOps.Add(first, Create<TVector>(w)), ref max, ref at);
            TakeLarger(d, VectorOps.Add(first, Create<TVector>(w + 1f)), ref max, ref at);
            Store(max, o + ox);
            Store(at, io + ox);
        }
        return ox;
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void TakeLarger<TVector>(TVector v, TVector pos, ref TVector max, ref TVector at) where TVector : struct
    {
        var take = GreaterThanOrNaN(v, max);
        max = ConditionalSelect(take, v, max);
        at = ConditionalSelect(take, pos, at);
    }

    /// <summary>2·Count floats from p split into (even columns, odd columns), at either width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (TVector Even, TVector Odd) Deinterleave<TVector>(float* p) where TVector : struct
    {
        if (typeof(TVector) == typeof(Vector512<float>))
        {
            var (even, odd) = Deinterleave512(p);
            return ((TVector)(object)even, (TVector)(object)odd);
        }
        var (even256, odd256) = Deinterleave256(p);
        return ((TVector)(object)even256, (TVector)(object)odd256);
    }

    /// <summary>The column offsets 0, 2, 4, … of a vector's even columns, as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TVector EvenColumns<TVector>() where TVector : struct =>
        typeof(TVector) == typeof(Vector512<float>) ? (TVector)(object)Vector512.ConvertToSingle(Evens512) : (TVector)(object)Vector256.ConvertToSingle(Evens256);

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

    static readonly Vector512<int> Evens512 = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    static readonly Vector256<int> Evens256 = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
    static readonly Vector512<int> Odds512 = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}
