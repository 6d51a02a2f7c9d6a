using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DafL.Backends.Cpu;

/// <summary>
/// Direct convolution of one image, for layers with very few output channels that <see cref="PaddedConv"/> does not
/// take (strided, or kernels other than 3 or 5 wide; PaddedConv sums a one-output layer in this order). im2col would write K = C·kH·kW floats per output pixel only for a GEMM with O ≤ 4 rows to read them once;
/// here each kernel tap instead walks the same input and output rows in place: y[o] row += w[o, c, ki, kj] · shifted
/// x[c] row (forward), gx[c] row += w · shifted gy[o] row (data gradient), gw[o, c, ki, kj] += gy[o] row · shifted
/// x[c] row (weight gradient). Rows and columns that fall in the padding are skipped (<see cref="ConvGeometry.ValidTaps"/>).
/// </summary>
internal static unsafe class DirectConv
{
    /// <summary>y (O, Ho, Wo) += x (C, H, W) ⋆ w (O, C, kH, kW).</summary>
    public static void Forward(float* x, float* w, in ConvGeometry g, float* y) => EachTapRow<ForwardRow>(x, w, g, y);

    /// <summary>gx (C, H, W) += the input gradient of gy (O, Ho, Wo) through w (O, C, kH, kW).</summary>
    public static void BackwardData(float* gy, float* w, in ConvGeometry g, float* gx) => EachTapRow<DataGradientRow>(gx, w, g, gy);

    /// <summary>
    /// The walk that forward and the data gradient share: for each tap w[o, c, ki, kj] and each output row oh it
    /// touches, the input-side row of plane c (x or gx; its column ow·s lies under output column ow) and the output-side
    /// row oh of plane o (y or gy), handed to <typeparamref name="TRow"/>, which moves values one way or the other.
    /// </summary>
    static void EachTapRow<TRow>(float* input, float* w, in ConvGeometry g, float* output) where TRow : struct, ITapRow
    {
        int s = g.Stride, p = g.Padding, wo = g.Wo;
        int* rows = stackalloc int[2 * g.KH], cols = stackalloc int[2 * g.KW];
        g.ValidTaps(0, g.Ho, rows, cols);
        for (int c = 0; c < g.C; c++)
            for (int ki = 0; ki < g.KH; ki++)
            {
                int ohLo = rows[2 * ki], ohHi = rows[2 * ki + 1];
                for (int kj = 0; kj < g.KW; kj++)
                {
                    int lo = cols[2 * kj], hi = cols[2 * kj + 1];
                    for (int o = 0; o < g.O; o++)
                    {
                        float wv = w[(((long)o * g.C + c) * g.KH + ki) * g.KW + kj];
                        float* inRow = input + ((long)c * g.H + ohLo * s - p + ki) * g.W + kj - p;
                        float* outRow = output + ((long)o * g.Ho + ohLo) * wo;
                        for (int oh = ohLo; oh < ohHi; oh++, inRow += s * g.W, outRow += wo)
                            TRow.Accumulate(wv, inRow, outRow, lo, hi, s);
                    }
                }
            }
    }

    /// <summary>What one tap does to one pair of rows, over output columns [lo, hi).</summary>
    interface ITapRow
    {
        static abstract void Accumulate(float wv, float* inRow, float* outRow, int lo, int hi, int stride);
    }

    /// <summary>y row += w · shifted x row.</summary>
    readonly struct ForwardRow : ITapRow
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Accumulate(float wv, float* xr, float* yr, int lo, int hi, int s)
        {
            if (s == 1) Axpy(wv, xr + lo, yr + lo, hi - lo);
            else for (int ow = lo; ow < hi; ow++) yr[ow] += wv * xr[ow * s];
        }
    }

    /// <summary>gx row (shifted) += w · gy row.</summary>
    readonly struct DataGradientRow : ITapRow
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Accumulate(float wv, float* gxr, float* gyr, int lo, int hi, int s)
        {
            if (s == 1) Axpy(wv, gyr + lo, gxr + lo, hi - lo);
            else for (int ow = lo; ow < hi; ow++) gxr[ow * s] += wv * gyr[ow];
        }
    }

    /// <summary>gw (O, C, kH, kW) += the weight gradient of one image: x (C, H, W) and gy (O, Ho, Wo).</summary>
    public static void BackwardWeight(float* x, float* gy, in ConvGeometry g, float* gw)
    {
        int s = g.Stride, p = g.Padding, wo = g.Wo;
        int* rows = stackalloc int[2 * g.KH], cols = stackalloc int[2 * g.KW];
        g.ValidTaps(0, g.Ho, rows, cols);
        for (int o = 0; o < g.O; o++)
            for (int c = 0; c < g.C; c++)
                for (int ki = 0; ki < g.KH; ki++)
                {
                    int ohLo = rows[2 * ki], ohHi = rows[2 * ki + 1];
                    for (int kj = 0; kj < g.KW; kj++)
                    {
                        int lo = cols[2 * kj], hi = cols[2 * kj + 1];
                        float* xr = x + ((long)c * g.H + ohLo * s - p + ki) * g.W + kj - p;
                        float* gyr = gy + ((long)o * g.Ho + ohLo) * wo;
                        var dot = new DotAccumulator();
                        for (int oh = ohLo; oh < ohHi; oh++, xr += s * g.W, gyr += wo)
                        {
                            if (s == 1) dot.Add(xr + lo, gyr + lo, hi - lo);
                            else for (int ow = lo; ow < hi; ow++) dot.Tail = MathF.FusedMultiplyAdd(gyr[ow], xr[ow * s], dot.Tail);
                        }
                        gw[(((long)o * g.C + c) * g.KH + ki) * g.KW + kj] += dot.Sum;
                    }
                }
    }

    /// <summary>y[i] += a · x[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Axpy(float a, float* x, float* y, int n)
    {
        int i = 0;
        if (Simd.Has512)
        {
            var va = Vector512.Create(a);
            for (; i + 16 <= n; i += 16) Vector512.Store(Vector512.FusedMultiplyAdd(va, Vector512.Load(x + i), Vector512.Load(y + i)), y + i);
        }
        var vb = Vector256.Create(a);
        for (; i + 8 <= n; i += 8) Vector256.Store(Vector256.FusedMultiplyAdd(vb, Vector256.Load(x + i), Vector256.Load(y + i)), y + i);
        for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd(a, x[i], y[i]);
    }

    /// <summary>
    /// Σ x[i]·y[i] over several rows in four independent 8-lane chains (so FMA latency does not serialise them) and a
    /// scalar tail; the order is fixed by the row lengths, so the sum is reproducible.
    /// </summary>
    struct DotAccumulator
    {
        Vector256<float> _a0, _a1, _a2, _a3;
        public float Tail;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(float* x, float* y, int n)
        {
            int i = 0;
            for (; i + 32 <= n; i += 32)
            {
                _a0 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i), Vector256.Load(y + i), _a0);
                _a1 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i + 8), Vector256.Load(y + i + 8), _a1);
                _a2 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i + 16), Vector256.Load(y + i + 16), _a2);
                _a3 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i + 24), Vector256.Load(y + i + 24), _a3);
            }
            for (; i + 8 <= n; i += 8) _a0 = Vector256.FusedMultiplyAdd(Vector256.Load(x + i), Vector256.Load(y + i), _a0);
            for (; i < n; i++) Tail = MathF.FusedMultiplyAdd(x[i], y[i], Tail);
        }

        public readonly float Sum => Vector256.Sum(_a0 + _a1 + (_a2 + _a3)) + Tail;
    }
}
