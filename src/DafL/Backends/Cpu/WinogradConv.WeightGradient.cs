using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static DafL.Backends.Cpu.VectorOps;

namespace DafL.Backends.Cpu;

/// <summary>
/// The weight gradient of <see cref="WinogradConv"/>. With y = Aᵀ[U ⊙ V]A per tile and U = G·g·Gᵀ, the gradient of g is
/// gw = Gᵀ·dU·G with dU_ξ = Σ_tiles Mg_ξ ⊙ V_ξ, Mg = A·gy·Aᵀ (each 4×4 tile of gy taken to the 6×6 points): per point
/// one product dU_ξ (outputs, inputs) over the long reduction of tiles, written transposed as
/// dUᵀ_ξ (inputs, outputs) = V_ξ (inputs, tiles) · Mg_ξᵀ (tiles, outputs), so that the micro-kernel reads V in place
/// and Mg as its B panel ((tiles, outputs) rows, which the transform of gy fills 8 × 8 by transposes). Groups of images add into one
/// dUᵀ in a fixed order (the caller sums blocks of groups in block order); G's constants apply once, at the end, in
/// float64.
/// </summary>
internal static unsafe partial class WinogradConv
{
    /// <summary>
    /// dUᵀ (points, <see cref="Plan.ChannelsPadded"/>, <see cref="Plan.OutputColumns"/>) = (or += unless
    /// <paramref name="first"/>) the transformed weight gradient of <paramref name="count"/> images of x (the plan's
    /// source) and gy (outputs, H, W). Rows past the inputs and columns past the outputs hold junk, never read.
    /// </summary>
    public static void AccumulateWeightGradient(float* x, long xPerImage, float* gy, long gyPerImage, int count, in Plan p, float* dut, bool first, float* scratch)
    {
        if (p.Lanes == Vector512<float>.Count) AccumulateWeightGradient<Vector512<float>>(x, xPerImage, gy, gyPerImage, count, p, dut, first, scratch);
        else AccumulateWeightGradient<Vector256<float>>(x, xPerImage, gy, gyPerImage, count, p, dut, first, scratch);
    }

    static void AccumulateWeightGradient<TVector>(float* x, long xPerImage, float* gy, long gyPerImage, int count, in Plan p, float* dut, bool first,
        float* scratch) where TVector : struct
    {
        // byOutput (points, 8 outputs, one image's tiles): each output's transform in vectors, before it joins Mg's rows
        float* v = scratch, mg = v + p.VFloats, byOutput = mg + p.MgFloats, gs = byOutput + (long)Points * TransposeOutputs * p.GradientTileStride;
        float* work = gs + p.GradientStagedFloats;
        float* rows = work + p.StagedFloats, line = rows + (long)Alpha * p.RowVectorFloats;
        TransformInputs<TVector>(x, xPerImage, count, p, v, work);
        int perImage = p.TilesPerImage, cols = p.OutputColumns, tiles = count * perImage, stride = p.GradientTileStride;
        long mgPoint = (long)p.ImagesPerGroup * perImage * cols, plane = (long)p.H * p.W, byPoint = (long)TransposeOutputs * stride;
        for (int i = 0; i < count; i++)
            for (int o0 = 0; o0 < p.Outputs; o0 += TransposeOutputs)
            {
                int n = Math.Min(TransposeOutputs, p.Outputs - o0);
                for (int j = 0; j < n; j++)
                {
                    Stage(gy + i * gyPerImage + (o0 + j) * plane, p.H, p.W, 1, 0, p.GradientPhaseLength, p.GradientRowLength, p.GradientStagedFloats, gs, line);
                    for (int r = 0; r < p.TilesH; r++)
                        TransformGradientRow<TVector>(gs + (long)Tile * r * p.GradientRowLength, p, rows, byOutput + j * stride + r * p.TilesW, byPoint);
                }
                for (int xi = 0; xi < Points; xi++)
                    ScatterToTileRows(byOutput + xi * byPoint, stride, n, perImage, mg + xi * mgPoint + (long)i * perImage * cols + o0, cols);
            }
        int nr = p.Kernels.Nr, mr = Gemm.Mr, blocks = p.ChannelsPadded / mr, vRow = p.VRow;
        var wide = p.Kernels.Wide;
        float beta = first ? 0f : 1f;
        for (int xi = 0; xi < Points; xi++)
        {
            float* vx = v + (long)xi * p.Channels * vRow, mx = mg + xi * mgPoint, dx = dut + (long)xi * p.ChannelsPadded * cols;
            for (int o0 = 0; o0 < cols; o0 += nr)
                for (int b = 0; b < blocks; b++)
                    wide(tiles, vx + (long)b * mr * vRow, vRow, 1, mx + o0, cols, dx + (long)b * mr * cols + o0, cols, 1f, beta);
        }
    }

    /// <summary>Outputs whose transforms <see cref="ScatterToTileRows"/> turns into (tiles, outputs) rows at once.</summary>
    const int TransposeOutputs = 8;

    /// <summary>
    /// Mg[ξ = 6k + l][tile t] of one output channel's tile row (4 rows of staged gy at <paramref name="gs"/>), into
    /// <paramref name="mg"/> + ξ·<paramref name="mgPoint"/> + t: down in vectors along the rows, then across in vectors
    /// of tiles, each stored whole (a last vector's lanes past the row land on the next row's tiles, written after it,
    /// or in <see cref="Plan.GradientTileStride"/>'s slack).
    /// </summary>
    static void TransformGradientRow<TVector>(float* gs, in Plan p, float* rows, float* mg, long mgPoint) where TVector : struct
    {
        int lanes = Count<TVector>(), ld = p.GradientRowLength, wq = p.GradientPhaseLength;
        for (int q = 0; q < ld; q += lanes)
        {
            float* d = gs + q;
            GradientTransform(Load<TVector>(d), Load<TVector>(d + ld), Load<TVector>(d + 2 * ld), Load<TVector>(d + 3 * ld),
                out var r0, out var r1, out var r2, out var r3, out var r4, out var r5);
            StoreSix(r0, r1, r2, r3, r4, r5, rows + q, ld);
        }
        for (int k = 0; k < Alpha; k++)
        {
            float* row = rows + k * ld, mk = mg + Alpha * k * mgPoint;
            for (int t0 = 0; t0 < p.TilesW; t0 += lanes)
            {
                float* e = row + t0; // tile t's four columns are the four phases at t
                GradientTransform(Load<TVector>(e), Load<TVector>(e + wq), Load<TVector>(e + 2 * wq), Load<TVector>(e + 3 * wq),
                    out var r0, out var r1, out var r2, out var r3, out var r4, out var r5);
                StoreSix(r0, r1, r2, r3, r4, r5, mk + t0, mgPoint);
            }
        }
    }

    /// <summary>
    /// dst[t·ldDst + j] = src[j·ldSrc + t] for the <paramref name="tiles"/> tiles t and 8 outputs j (rows past
    /// <paramref name="outputs"/> repeat the last one, in columns that are junk): one point's transforms, as the
    /// micro-kernel's (tiles, outputs) B panel, 8 × 8 at a time.
    /// </summary>
    static void ScatterToTileRows(float* src, int ldSrc, int outputs, int tiles, float* dst, int ldDst)
    {
        float* block = stackalloc float[TransposeOutputs * TransposeOutputs];
        for (int t0 = 0; t0 < tiles; t0 += TransposeOutputs)
        {
            int valid = Math.Min(TransposeOutputs, tiles - t0);
            if (valid == TransposeOutputs)
            {
                Gemm.Transpose8x8(src + t0, ldSrc, outputs, dst + (long)t0 * ldDst, ldDst);
                continue;
            }
            Gemm.Transpose8x8(src + t0, ldSrc, outputs, block, TransposeOutputs);
            for (int t = 0; t < valid; t++) Vector256.Store(Vector256.Load(block + t * TransposeOutputs), dst + (long)(t0 + t) * ldDst);
        }
    }

    /// <summary>(m0 .. m5) = A·(y0 .. y3), A = (Aᵀ)ᵀ: the points 0, 1, −1, 2, −2, ∞ of the 4 values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void GradientTransform<TVector>(TVector y0, TVector y1, TVector y2, TVector y3,
        out TVector m0, out TVector m1, out TVector m2, out TVector m3, out TVector m4, out TVector m5) where TVector : struct
    {
        var a = Add(y0, y2);
        var b = Add(y1, y3);
        var c = FusedMultiplyAdd(Create<TVector>(4f), y2, y0);                              // y0 + 4y2
        var d = Multiply(Create<TVector>(2f), FusedMultiplyAdd(Create<TVector>(4f), y3, y1)); // 2y1 + 8y3
        m0 = y0;
        m1 = Add(a, b);
        m2 = Subtract(a, b);
        m3 = Add(c, d);
        m4 = Subtract(c, d);
        m5 = y3;
    }

    /// <summary>gw (outputs, inputs, 3, 3) = Gᵀ·dU·G for every (output, input) of dUᵀ, in float64, rounded once.</summary>
    public static void WeightGradient(float* dut, in Plan p, float* gw)
    {
        int cols = p.OutputColumns;
        long point = (long)p.ChannelsPadded * cols;
        double* du = stackalloc double[Points];
        double* half = stackalloc double[3 * Alpha];
        double* g = stackalloc double[3];
        for (int o = 0; o < p.Outputs; o++)
            for (int c = 0; c < p.Channels; c++)
            {
                float* src = dut + (long)c * cols + o;
                for (int xi = 0; xi < Points; xi++) du[xi] = src[xi * point];
                for (int l = 0; l < Alpha; l++) KernelGradientTransform(du + l, Alpha, half + l, Alpha); // Gᵀ·dU, column by column
                float* target = gw + ((long)o * p.Channels + c) * 9;
                for (int i = 0; i < 3; i++)
                {
                    KernelGradientTransform(half + Alpha * i, 1, g, 1); // ·G
                    for (int j = 0; j < 3; j++) target[3 * i + j] = (float)g[j];
                }
            }
    }

    /// <summary>(r0, r1, r2) = Gᵀ·(d0 .. d5), the d's and r's <paramref name="dStride"/> and <paramref name="rStride"/> apart.</summary>
    static void KernelGradientTransform(double* d, int dStride, double* r, int rStride)
    {
        double d1 = d[dStride], d2 = d[2 * dStride], d3 = d[3 * dStride], d4 = d[4 * dStride];
        r[0] = d[0] / 4 - (d1 + d2) / 6 + (d3 + d4) / 24;
        r[rStride] = (d2 - d1) / 6 + (d3 - d4) / 12;
        r[2 * rStride] = -(d1 + d2) / 6 + (d3 + d4) / 6 + d[5 * dStride];
    }
}
