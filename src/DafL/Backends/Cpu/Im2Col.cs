using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DafL.Backends.Cpu;

/// <summary>
/// The im2col matrix of one image and its adjoint. Row r = (c, ki, kj) of col holds, for each output pixel
/// (oh, ow) of a band of output rows [oh0, oh1), the input element x[c, oh·s − p + ki, ow·s − p + kj]
/// (0 where that falls in the padding), at column (oh − oh0)·Wo + ow. Then y = w (O, K) · col.
/// Rows of an image are often short (Wo = 1 in LeNet's last layer), so the inner loops are inlined vector loops
/// rather than calls, and the valid ranges (inside the image, not padding) are worked out once per kernel tap
/// (<see cref="ConvGeometry.ValidTaps"/>).
/// </summary>
internal static unsafe class Im2Col
{
    /// <summary>Writes rows [oh0, oh1) of the im2col matrix of x (C, H, W) into col (K, ldCol).</summary>
    public static void Pack(float* x, in ConvGeometry g, int oh0, int oh1, float* col, int ldCol)
    {
        int s = g.Stride, wo = g.Wo, p = g.Padding;
        int* rows = stackalloc int[2 * g.KH], cols = stackalloc int[2 * g.KW];
        g.ValidTaps(oh0, oh1, rows, cols);
        float* row = col;
        for (int c = 0; c < g.C; c++)
            for (int ki = 0; ki < g.KH; ki++)
            {
                int ohLo = rows[2 * ki], ohHi = rows[2 * ki + 1];
                for (int kj = 0; kj < g.KW; kj++, row += ldCol)
                {
                    int lo = cols[2 * kj], hi = cols[2 * kj + 1];
                    // Output rows whose input row is padding, and the whole band when no column is inside.
                    if (lo == hi)
                    {
                        Clear(row, (oh1 - oh0) * wo);
                        continue;
                    }
                    Clear(row, (ohLo - oh0) * wo);
                    Clear(row + (ohHi - oh0) * wo, (oh1 - ohHi) * wo);
                    float* dst = row + (ohLo - oh0) * wo;
                    // src[ow·s] is the input element under output column ow of this row.
                    float* src = x + ((long)c * g.H + ohLo * s - p + ki) * g.W + kj - p;
                    if (s == 1 && lo == 0 && hi == wo)
                    {
                        // No padding on this tap's columns (every tap of an unpadded convolution): whole rows.
                        for (int oh = ohLo; oh < ohHi; oh++, dst += wo, src += g.W) Copy(src, dst, wo);
                        continue;
                    }
                    for (int oh = ohLo; oh < ohHi; oh++, dst += wo, src += s * g.W)
                    {
                        Clear(dst, lo);
                        if (s == 1) Copy(src + lo, dst + lo, hi - lo);
                        else for (int ow = lo; ow < hi; ow++) dst[ow] = src[ow * s];
                        Clear(dst + hi, wo - hi);
                    }
                }
            }
    }

    /// <summary>
    /// The adjoint of <see cref="Pack"/> (col2im): adds every element of col (K, ldCol), rows [oh0, oh1), into the
    /// element of gx (C, H, W) it was copied from. Padding positions are dropped.
    /// </summary>
    public static void Accumulate(float* col, int ldCol, in ConvGeometry g, int oh0, int oh1, float* gx)
    {
        int s = g.Stride, wo = g.Wo, p = g.Padding;
        int* rows = stackalloc int[2 * g.KH], cols = stackalloc int[2 * g.KW];
        g.ValidTaps(oh0, oh1, rows, cols);
        float* row = col;
        for (int c = 0; c < g.C; c++)
            for (int ki = 0; ki < g.KH; ki++)
            {
                int ohLo = rows[2 * ki], ohHi = rows[2 * ki + 1];
                for (int kj = 0; kj < g.KW; kj++, row += ldCol)
                {
                    int lo = cols[2 * kj], hi = cols[2 * kj + 1];
                    float* src = row + (ohLo - oh0) * wo;
                    float* dst = gx + ((long)c * g.H + ohLo * s - p + ki) * g.W + kj - p;
                    for (int oh = ohLo; oh < ohHi; oh++, src += wo, dst += s * g.W)
                    {
                        if (s == 1) AddTo(src + lo, dst + lo, hi - lo);
                        else for (int ow = lo; ow < hi; ow++) dst[ow * s] += src[ow];
                    }
                }
            }
    }

    // Image rows are short (Wo = 10…32 in DAFL), so a scalar tail would cost as much as the vectors: each helper
    // finishes with one vector that ends exactly at n and overlaps the part already done.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Clear(float* p, int n)
    {
        if (Simd.Has512 && n >= 16)
        {
            for (int i = 0; i < n - 16; i += 16) Vector512.Store(Vector512<float>.Zero, p + i);
            Vector512.Store(Vector512<float>.Zero, p + n - 16);
        }
        else if (n >= 8)
        {
            for (int i = 0; i < n - 8; i += 8) Vector256.Store(Vector256<float>.Zero, p + i);
            Vector256.Store(Vector256<float>.Zero, p + n - 8);
        }
        else for (int i = 0; i < n; i++) p[i] = 0f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Copy(float* src, float* dst, int n)
    {
        if (Simd.Has512 && n >= 16)
        {
            for (int i = 0; i < n - 16; i += 16) Vector512.Store(Vector512.Load(src + i), dst + i);
            Vector512.Store(Vector512.Load(src + n - 16), dst + n - 16);
        }
        else if (n >= 8)
        {
            for (int i = 0; i < n - 8; i += 8) Vector256.Store(Vector256.Load(src + i), dst + i);
            Vector256.Store(Vector256.Load(src + n - 8), dst + n - 8);
        }
        else for (int i = 0; i < n; i++) dst[i] = src[i];
    }

    /// <summary>dst[i] += src[i]; the last vector adds only the lanes the others did not (a mask, since adding twice is wrong).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AddTo(float* src, float* dst, int n)
    {
        if (Simd.Has512 && n >= 16)
        {
            int i = 0;
            for (; i <= n - 16; i += 16) Vector512.Store(Vector512.Load(dst + i) + Vector512.Load(src + i), dst + i);
            if (i < n)
            {
                // Lanes [16 − (n − i), 16) of the vector ending at n are new.
                var fresh = Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(16 - (n - i))).AsSingle();
                Vector512.Store(Vector512.Load(dst + n - 16) + (Vector512.Load(src + n - 16) & fresh), dst + n - 16);
            }
        }
        else Simd.Add(dst, src, dst, n);
    }
}
