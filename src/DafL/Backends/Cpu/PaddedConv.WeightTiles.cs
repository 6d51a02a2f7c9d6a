using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static DafL.Backends.Cpu.VectorOps;

namespace DafL.Backends.Cpu;

/// <summary>
/// The weight gradient's register tiles of <see cref="PaddedConv"/>: one accumulator vector per (output channel, kernel
/// column) for one kernel row, as many as the vector width's register file holds (32 zmm or 16 ymm, with the loaded
/// vectors). Each tile is written out accumulator by accumulator so that the JIT keeps them all in registers.
/// </summary>
internal static unsafe partial class PaddedConv
{
    /// <summary>
    /// sums[j·3 + kj] = Σ_images Σ_q g[j·gStride + n·vrun + q] · x[n·plane + q + kj] for 8 outputs j and 3 taps kj.
    /// </summary>
    static void Row8x3<TVector>(float* x, float* g, nint gStride, int images, nint plane, int vrun, float* sums)
        where TVector : struct
    {
        int l = Count<TVector>();
        TVector a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default,
            a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default,
            a40 = default, a41 = default, a42 = default, a50 = default, a51 = default, a52 = default,
            a60 = default, a61 = default, a62 = default, a70 = default, a71 = default, a72 = default;
        nint g2 = 2 * gStride, g3 = 3 * gStride, g4 = 4 * gStride, g5 = 5 * gStride, g6 = 6 * gStride, g7 = 7 * gStride;
        for (int n = 0; n < images; n++, x += plane, g += vrun)
            for (int q = 0; q < vrun; q += l)
            {
                float* p = x + q, r = g + q;
                var x0 = Load<TVector>(p);
                var x1 = Load<TVector>(p + 1);
                var x2 = Load<TVector>(p + 2);
                var v = Load<TVector>(r);
                a00 = FusedMultiplyAdd(v, x0, a00); a01 = FusedMultiplyAdd(v, x1, a01); a02 = FusedMultiplyAdd(v, x2, a02);
                v = Load<TVector>(r + gStride);
                a10 = FusedMultiplyAdd(v, x0, a10); a11 = FusedMultiplyAdd(v, x1, a11); a12 = FusedMultiplyAdd(v, x2, a12);
                v = Load<TVector>(r + g2);
                a20 = FusedMultiplyAdd(v, x0, a20); a21 = FusedMultiplyAdd(v, x1, a21); a22 = FusedMultiplyAdd(v, x2, a22);
                v = Load<TVector>(r + g3);
                a30 = FusedMultiplyAdd(v, x0, a30); a31 = FusedMultiplyAdd(v, x1, a31); a32 = FusedMultiplyAdd(v, x2, a32);
                v = Load<TVector>(r + g4);
                a40 = FusedMultiplyAdd(v, x0, a40); a41 = FusedMultiplyAdd(v, x1, a41); a42 = FusedMultiplyAdd(v, x2, a42);
                v = Load<TVector>(r + g5);
                a50 = FusedMultiplyAdd(v, x0, a50); a51 = FusedMultiplyAdd(v, x1, a51); a52 = FusedMultiplyAdd(v, x2, a52);
                v = Load<TVector>(r + g6);
                a60 = FusedMultiplyAdd(v, x0, a60); a61 = FusedMultiplyAdd(v, x1, a61); a62 = FusedMultiplyAdd(v, x2, a62);
                v = Load<TVector>(r + g7);
                a70 = FusedMultiplyAdd(v, x0, a70); a71 = FusedMultiplyAdd(v, x1, a71); a72 = FusedMultiplyAdd(v, x2, a72);
            }
        SumTo(sums, a00, a01, a02); SumTo(sums + 3, a10, a11, a12); SumTo(sums + 6, a20, a21, a22); SumTo(sums + 9, a30, a31, a32);
        SumTo(sums + 12, a40, a41, a42); SumTo(sums + 15, a50, a51, a52); SumTo(sums + 18, a60, a61, a62); SumTo(sums + 21, a70, a71, a72);
    }

    /// <summary>sums[j·5 + kj] as in <see cref="Row8x3"/>, for 4 outputs and 5 taps.</summary>
    static void Row4x5<TVector>(float* x, float* g, nint gStride, int images, nint plane, int vrun, float* sums)
        where TVector : struct
    {
        int l = Count<TVector>();
        TVector a00 = default, a01 = default, a02 = default, a03 = default, a04 = default,
            a10 = default, a11 = default, a12 = default, a13 = default, a14 = default,
            a20 = default, a21 = default, a22 = default, a23 = default, a24 = default,
            a30 = default, a31 = default, a32 = default, a33 = default, a34 = default;
        nint g2 = 2 * gStride, g3 = 3 * gStride;
        for (int n = 0; n < images; n++, x += plane, g += vrun)
            for (int q = 0; q < vrun; q += l)
            {
                float* p = x + q, r = g + q;
                var x0 = Load<TVector>(p);
                var x1 = Load<TVector>(p + 1);
                var x2 = Load<TVector>(p + 2);
                var x3 = Load<TVector>(p + 3);
                var x4 = Load<TVector>(p + 4);
                var v = Load<TVector>(r);
                a00 = FusedMultiplyAdd(v, x0, a00); a01 = FusedMultiplyAdd(v, x1, a01); a02 = FusedMultiplyAdd(v, x2, a02);
                a03 = FusedMultiplyAdd(v, x3, a03); a04 = FusedMultiplyAdd(v, x4, a04);
                v = Load<TVector>(r + gStride);
                a10 = FusedMultiplyAdd(v, x0, a10); a11 = FusedMultiplyAdd(v, x1, a11); a12 = FusedMultiplyAdd(v, x2, a12);
                a13 = FusedMultiplyAdd(v, x3, a13); a14 = FusedMultiplyAdd(v, x4, a14);
                v = Load<TVector>(r + g2);
                a20 = FusedMultiplyAdd(v, x0, a20); a21 = FusedMultiplyAdd(v, x1, a21); a22 = FusedMultiplyAdd(v, x2, a22);
                a23 = FusedMultiplyAdd(v, x3, a23); a24 = FusedMultiplyAdd(v, x4, a24);
                v = Load<TVector>(r + g3);
                a30 = FusedMultiplyAdd(v, x0, a30); a31 = FusedMultiplyAdd(v, x1, a31); a32 = FusedMultiplyAdd(v, x2, a32);
                a33 = FusedMultiplyAdd(v, x3, a33); a34 = FusedMultiplyAdd(v, x4, a34);
            }
        SumTo(sums, a00, a01, a02, a03, a04); SumTo(sums + 5, a10, a11, a12, a13, a14);
        SumTo(sums + 10, a20, a21, a22, a23, a24); SumTo(sums + 15, a30, a31, a32, a33, a34);
    }

    /// <summary><see cref="Row8x3"/> for AVX2: 4 outputs × 3 taps (12 of the 16 ymm registers).</summary>
    static void Row4x3<TVector>(float* x, float* g, nint gStride, int images, nint plane, int vrun, float* sums)
        where TVector : struct
    {
        int l = Count<TVector>();
        TVector a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default,
            a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
        nint g2 = 2 * gStride, g3 = 3 * gStride;
        for (int n = 0; n < images; n++, x += plane, g += vrun)
            for (int q = 0; q < vrun; q += l)
            {
                float* p = x + q, r = g + q;
                var x0 = Load<TVector>(p);
                var x1 = Load<TVector>(p + 1);
                var x2 = Load<TVector>(p + 2);
                var v = Load<TVector>(r);
                a00 = FusedMultiplyAdd(v, x0, a00); a01 = FusedMultiplyAdd(v, x1, a01); a02 = FusedMultiplyAdd(v, x2, a02);
                v = Load<TVector>(r + gStride);
                a10 = FusedMultiplyAdd(v, x0, a10); a11 = FusedMultiplyAdd(v, x1, a11); a12 = FusedMultiplyAdd(v, x2, a12);
                v = Load<TVector>(r + g2);
                a20 = FusedMultiplyAdd(v, x0, a20); a21 = FusedMultiplyAdd(v, x1, a21); a22 = FusedMultiplyAdd(v, x2, a22);
                v = Load<TVector>(r + g3);
                a30 = FusedMultiplyAdd(v, x0, a30); a31 = FusedMultiplyAdd(v, x1, a31); a32 = FusedMultiplyAdd(v, x2, a32);
            }
        SumTo(sums, a00, a01, a02); SumTo(sums + 3, a10, a11, a12); SumTo(sums + 6, a20, a21, a22); SumTo(sums + 9, a30, a31, a32);
    }

    /// <summary><see cref="Row4x5"/> for AVX2: 2 outputs × 5 taps (10 of the 16 ymm registers).</summary>
    static void Row2x5<TVector>(float* x, float* g, nint gStride, int images, nint plane, int vrun, float* sums)
        where TVector : struct
    {
        int l = Count<TVector>();
        TVector a00 = default, a01 = default, a02 = default, a03 = default, a04 = default,
            a10 = default, a11 = default, a12 = default, a13 = default, a14 = default;
        for (int n = 0; n < images; n++, x += plane, g += vrun)
            for (int q = 0; q < vrun; q += l)
            {
                float* p = x + q, r = g + q;
                var v = Load<TVector>(r);
                var u = Load<TVector>(r + gStride);
                var t = Load<TVector>(p);
                a00 = FusedMultiplyAdd(v, t, a00); a10 = FusedMultiplyAdd(u, t, a10);
                t = Load<TVector>(p + 1);
                a01 = FusedMultiplyAdd(v, t, a01); a11 = FusedMultiplyAdd(u, t, a11);
                t = Load<TVector>(p + 2);
                a02 = FusedMultiplyAdd(v, t, a02); a12 = FusedMultiplyAdd(u, t, a12);
                t = Load<TVector>(p + 3);
                a03 = FusedMultiplyAdd(v, t, a03); a13 = FusedMultiplyAdd(u, t, a13);
                t = Load<TVector>(p + 4);
                a04 = FusedMultiplyAdd(v, t, a04); a14 = FusedMultiplyAdd(u, t, a14);
            }
        SumTo(sums, a00, a01, a02, a03, a04); SumTo(sums + 5, a10, a11, a12, a13, a14);
    }

    /// <summary>
    /// For a layer of one output (the generator's last): sums[j·3 + kj] = Σ_images Σ_q g[n·vrun + q] · x[j·xStride +
    /// n·plane + q + kj] for 4 inputs j and 3 taps kj. The accumulators run over inputs where <see cref="Row4x3"/>'s run
    /// over outputs (3 of its 4 would be zero rows here); each adds the same terms in the same order.
    /// </summary>
    static void Inputs4x3<TVector>(float* x, nint xStride, float* g, int images, nint plane, int vrun, float* sums)
        where TVector : struct
    {
        int l = Count<TVector>();
        TVector a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default,
            a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
        nint x2 = 2 * xStride, x3 = 3 * xStride;
        for (int n = 0; n < images; n++, x += plane, g += vrun)
            for (int q = 0; q < vrun; q += l)
            {
                float* p = x + q;
                var v = Load<TVector>(g + q);
                a00 = FusedMultiplyAdd(v, Load<TVector>(p), a00); a01 = FusedMultiplyAdd(v, Load<TVector>(p + 1), a01);
                a02 = FusedMultiplyAdd(v, Load<TVector>(p + 2), a02);
                a10 = FusedMultiplyAdd(v, Load<TVector>(p + xStride), a10); a11 = FusedMultiplyAdd(v, Load<TVector>(p + xStride + 1), a11);
                a12 = FusedMultiplyAdd(v, Load<TVector>(p + xStride + 2), a12);
                a20 = FusedMultiplyAdd(v, Load<TVector>(p + x2), a20); a21 = FusedMultiplyAdd(v, Load<TVector>(p + x2 + 1), a21);
                a22 = FusedMultiplyAdd(v, Load<TVector>(p + x2 + 2), a22);
                a30 = FusedMultiplyAdd(v, Load<TVector>(p + x3), a30); a31 = FusedMultiplyAdd(v, Load<TVector>(p + x3 + 1), a31);
                a32 = FusedMultiplyAdd(v, Load<TVector>(p + x3 + 2), a32);
            }
        SumTo(sums, a00, a01, a02); SumTo(sums + 3, a10, a11, a12); SumTo(sums + 6, a20, a21, a22); SumTo(sums + 9, a30, a31, a32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void SumTo<TVector>(float* s, TVector v0, TVector v1, TVector v2) where TVector : struct
    {
        s[0] = Sum(v0); s[1] = Sum(v1); s[2] = Sum(v2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void SumTo<TVector>(float* s, TVector v0, TVector v1, TVector v2, TVector v3, TVector v4) where TVector : struct
    {
        SumTo(s, v0, v1, v2);
        s[3] = Sum(v3); s[4] = Sum(v4);
    }
}
