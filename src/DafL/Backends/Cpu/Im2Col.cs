using System.Runtime.CompilerServices;

namespace DafL.Backends.Cpu;

/// <summary>
/// The im2col matrix of one image and its adjoint. Row r = (c, ki, kj) of col holds, for each output pixel
/// (oh, ow) of a band of output rows [oh0, oh1), the input element x[c, oh·s − p + ki, ow·s − p + kj]
/// (0 where that falls in the padding), at column (oh − oh0)·Wo + ow. Then y = w (O, K) · col.
/// </summary>
internal static unsafe class Im2Col
{
    /// <summary>Writes rows [oh0, oh1) of the im2col matrix of x (C, H, W) into col (K, ldCol).</summary>
    public static void Pack(float* x, in ConvGeometry g, int oh0, int oh1, float* col, int ldCol)
    {
        int s = g.Stride, wo = g.Wo;
        float* row = col;
        for (int c = 0; c < g.C; c++)
            for (int ki = 0; ki < g.KH; ki++)
                for (int kj = 0; kj < g.KW; kj++, row += ldCol)
                {
                    ValidColumns(g, kj, out int lo, out int hi);
                    float* dst = row;
                    for (int oh = oh0; oh < oh1; oh++, dst += wo)
                    {
                        int ih = oh * s - g.Padding + ki;
                        if ((uint)ih >= (uint)g.H || lo == hi)
                        {
                            Clear(dst, wo);
                            continue;
                        }
                        Clear(dst, lo);
                        float* src = x + ((long)c * g.H + ih) * g.W + (lo * s - g.Padding + kj);
                        if (s == 1) Buffer.MemoryCopy(src, dst + lo, (hi - lo) * sizeof(float), (hi - lo) * sizeof(float));
                        else for (int ow = lo; ow < hi; ow++) dst[ow] = src[(ow - lo) * s];
                        Clear(dst + hi, wo - hi);
                    }
                }
    }

    /// <summary>
    /// The adjoint of <see cref="Pack"/> (col2im): adds every element of col (K, ldCol), rows [oh0, oh1), into the
    /// element of gx (C, H, W) it was copied from. Padding positions are dropped.
    /// </summary>
    public static void Accumulate(float* col, int ldCol, in ConvGeometry g, int oh0, int oh1, float* gx)
    {
        int s = g.Stride, wo = g.Wo;
        float* row = col;
        for (int c = 0; c < g.C; c++)
            for (int ki = 0; ki < g.KH; ki++)
                for (int kj = 0; kj < g.KW; kj++, row += ldCol)
                {
                    ValidColumns(g, kj, out int lo, out int hi);
                    if (lo == hi) continue;
                    float* src = row;
                    for (int oh = oh0; oh < oh1; oh++, src += wo)
                    {
                        int ih = oh * s - g.Padding + ki;
                        if ((uint)ih >= (uint)g.H) continue;
                        float* dst = gx + ((long)c * g.H + ih) * g.W + (lo * s - g.Padding + kj);
                        if (s == 1) Simd.Add(dst, src + lo, dst, hi - lo);
                        else for (int ow = lo; ow < hi; ow++) dst[(ow - lo) * s] += src[ow];
                    }
                }
    }

    /// <summary>Output columns [lo, hi) whose input column ow·s − p + kj lies inside the image.</summary>
    static void ValidColumns(in ConvGeometry g, int kj, out int lo, out int hi)
    {
        // 0 ≤ ow·s − p + kj ≤ W − 1  ⇔  ceil((p − kj) / s) ≤ ow ≤ floor((W − 1 + p − kj) / s)
        lo = Math.Max(0, CeilDiv(g.Padding - kj, g.Stride));
        hi = Math.Min(g.Wo, FloorDiv(g.W - 1 + g.Padding - kj, g.Stride) + 1);
        if (hi < lo) hi = lo;
    }

    static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);

    static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Clear(float* p, int n)
    {
        if (n > 0) new Span<float>(p, n).Clear();
    }
}
