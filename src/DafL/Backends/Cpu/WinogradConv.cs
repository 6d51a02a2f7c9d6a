using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DafL.Backends.Cpu;

/// <summary>
/// Winograd F(4×4, 3×3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016) for the stride-1,
/// padding-1 3×3 convolutions of the DAFL generator: each 4×4 block of outputs comes from a 6×6 block of the padded
/// input as y = Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]A, so that the 36 products per (input, output channel) of a tile replace the
/// 144 of direct convolution, and the products over the channels are 36 matrix products, one per point ξ of the
/// 6×6 transform, run by the GEMM's own micro-kernel:
/// M_ξ (outputs, tiles) = U_ξ (outputs, inputs) · V_ξ (inputs, tiles), U = G·g·Gᵀ, V = Bᵀ·d·B.
/// Work goes by groups of images (<see cref="Plan.ImagesPerGroup"/>, about <see cref="TargetTiles"/> tiles: the
/// products' width), one group per task:
/// <list type="number">
/// <item>stage each input plane zero-padded with its columns split by phase (column j at (j mod 4)·Wq + j/4), so
/// that the tiles of a row, 4 columns apart, are neighbours in every phase, and vectors run over tiles;</item>
/// <item>transform: Bᵀ down the 6 rows of a tile row (whole rows, in vectors), then across (in vectors of tiles),
/// into V (<see cref="WinogradConv"/>.Transforms);</item>
/// <item>the 36 products;</item>
/// <item>the inverse Aᵀ·M·A, 4×4 outputs per tile, scattered into y with the bias.</item>
/// </list>
/// The data gradient is the same forward on gy with the kernel transposed and flipped (as in <see cref="PaddedConv"/>).
/// The plan depends on the shapes only and every sum runs in a fixed order, so results do not depend on the threads.
/// Its rounding differs from direct convolution's (the transforms' constants 1/4, 1/6, 1/24, 2, 4, 8): within the
/// fp32 tolerance of the conformance table, measured in <c>ConvTests</c> against float64 loops.
/// </summary>
internal static unsafe partial class WinogradConv
{
    /// <summary>Output tile side of F(4×4, 3×3).</summary>
    const int Tile = 4;
    /// <summary>Input tile side: the output tile and the kernel's 2 extra taps.</summary>
    const int Alpha = Tile + 2;
    /// <summary>Points of the 6×6 transform: the number of products.</summary>
    const int Points = Alpha * Alpha;
    /// <summary>Tiles of one group: the width of its 36 products, wide enough for the micro-kernel to run at speed.</summary>
    const int TargetTiles = 64;
    /// <summary>
    /// Per tile the products cost ∝ inputs·outputs and the transforms ∝ inputs + outputs: Winograd runs where the
    /// first is at least this many times the second. Measured with both kernels side by side on a 2-core AMD EPYC
    /// (docs/PERF.md, 2026-12-08): at batch 512, 32→32 at 16×16 (ratio 16) and 32→16 at 32×32 (10.7) 1.3–1.5× faster
    /// than <see cref="PaddedConv"/> in each direction; 16→16 (8) and 16→8 (5.3) no faster forward and backward on the
    /// data, slower on the weights, so they keep the direct kernels (more accurate).
    /// </summary>
    const int MinProductsPerTransform = 10;

    /// <summary>
    /// While <see cref="CpuBackend.AllowWinograd"/>, the stride-1, padding-1 3×3 convolutions whose output sides are
    /// multiples of 4 and whose channels make the products worth the transforms (<see cref="MinProductsPerTransform"/>):
    /// <paramref name="l"/> is a <see cref="PaddedConv"/> layout (the forward's, or the data gradient's on gy).
    /// </summary>
    public static bool Applies(in PaddedConv.Layout l, int outputs) =>
        CpuBackend.AllowWinograd && l is { KH: 3, KW: 3, PadH: 1, PadW: 1 } && l.H % Tile == 0 && l.W % Tile == 0
        && (long)l.Channels * outputs >= MinProductsPerTransform * ((long)l.Channels + outputs);

    /// <summary>The sizes of one Winograd convolution and of its buffers.</summary>
    public readonly struct Plan
    {
        /// <summary>H and W are the convolved (upsampled) sizes; the staged source is (Channels, H/Upsample, W/Upsample).</summary>
        public readonly int Channels, Outputs, H, W, Upsample, Lanes, ImagesPerGroup;
        readonly Gemm.MicroKernels _kernels;

        /// <param name="batch">Images of the call (a group never holds more).</param>
        public Plan(in PaddedConv.Layout l, int outputs, int batch)
        {
            Channels = l.Channels; Outputs = outputs; H = l.H; W = l.W; Upsample = l.Upsample; Lanes = l.Lanes;
            _kernels = l.Is512 ? Gemm.MicroKernels.Vector512Tiles : Gemm.MicroKernels.Vector256Tiles;
            int perImage = H / Tile * (W / Tile);
            ImagesPerGroup = Math.Clamp((TargetTiles + perImage - 1) / perImage, 1, Math.Max(batch, 1));
        }

        public Gemm.MicroKernels Kernels => _kernels;
        public int TilesH => H / Tile;
        public int TilesW => W / Tile;
        public int TilesPerImage => TilesH * TilesW;
        /// <summary>Columns of a group's products: its tiles rounded up to whole micro-kernel panels.</summary>
        public int Tiles => Gemm.RoundUp(ImagesPerGroup * TilesPerImage, _kernels.Nr);
        public int Groups(int batch) => (batch + ImagesPerGroup - 1) / ImagesPerGroup;

        /// <summary>Floats of one phase of a staged row: the row's tiles rounded up to whole vectors, and one more
        /// (a tile's last two columns are the next tile's first two).</summary>
        public int PhaseLength => Gemm.RoundUp(TilesW, Lanes) + 1;
        /// <summary>Floats of one staged row: its 4 phases.</summary>
        public int RowLength => Tile * PhaseLength;
        /// <summary>A staged row in whole vectors (the vertical pass runs over them, a little past the row).</summary>
        public int RowVectorFloats => Gemm.RoundUp(RowLength, Lanes);
        /// <summary>Floats of one staged plane: H + 2 rows, the slack the last row's vectors read and the phase split's
        /// spill (<see cref="SplitPhases"/>).</summary>
        public int StagedFloats => (H + 2) * RowLength + RowVectorFloats - RowLength + 8;
        /// <summary>Outputs rounded up to whole micro-kernel rows.</summary>
        public int OutputsPadded => Gemm.RoundUp(Outputs, Gemm.Mr);
        /// <summary>Floats of a row of V (one point, one input): the group's tiles and the spill of a last vector.</summary>
        public int VRow => Tiles + Lanes;
        /// <summary>Floats of V (points, inputs, <see cref="VRow"/>) and <see cref="Gemm.Mr"/> rows more, which the
        /// weight gradient's last block of inputs reads (its rows past the inputs are dropped).</summary>
        public long VFloats => ((long)Points * Channels + Gemm.Mr) * VRow;
        /// <summary>Floats of M (points, padded outputs, tiles), and the slack the inverse's last vectors read.</summary>
        public long MFloats => (long)Points * OutputsPadded * Tiles + Lanes;
        /// <summary>Floats of the transformed kernel U (points, output blocks, inputs, <see cref="Gemm.Mr"/>).</summary>
        public long TransformedWeightFloats => (long)Points * OutputsPadded * Channels;
        /// <summary>V, M, the inverse's 40 vectors, then the staging work: the plane, the 6 rows of the vertical pass and
        /// the staging line.</summary>
        public long ScratchFloats => VFloats + MFloats + 40L * Lanes + StagingWorkFloats;
        public long StagingWorkFloats => StagedFloats + (long)Alpha * RowVectorFloats + LineFloats(PhaseLength);
        /// <summary>Floats of one source image, (Channels, H/Upsample, W/Upsample).</summary>
        public long SourcePerImage => (long)Channels * (H / Upsample) * (W / Upsample);

        // The weight gradient's buffers: gy staged without padding, its transform Mg (points, tiles, output columns)
        // and dUᵀ (points, inputs rounded up to Mr, output columns).
        /// <summary>Floats of one phase of a staged row of gy: its tiles in whole vectors.</summary>
        public int GradientPhaseLength => Gemm.RoundUp(TilesW, Lanes);
        public int GradientRowLength => Tile * GradientPhaseLength;
        /// <summary>H rows of gy and the phase split's spill.</summary>
        public int GradientStagedFloats => H * GradientRowLength + 8;
        /// <summary>Outputs rounded up to whole micro-kernel panels: the columns of Mg and dUᵀ.</summary>
        public int OutputColumns => Gemm.RoundUp(Outputs, _kernels.Nr);
        public int ChannelsPadded => Gemm.RoundUp(Channels, Gemm.Mr);
        public long MgFloats => (long)Points * ImagesPerGroup * TilesPerImage * OutputColumns;
        /// <summary>Floats between two outputs' transforms of one image (before they become Mg's rows): its tiles in
        /// whole 8 × 8 transposes, and a vector's slack.</summary>
        public int GradientTileStride => Gemm.RoundUp(TilesPerImage, TransposeOutputs) + Lanes;
        /// <summary>Floats of dUᵀ, the transformed weight gradient.</summary>
        public long TransformedGradientFloats => (long)Points * ChannelsPadded * OutputColumns;
        /// <summary>V, Mg, 8 outputs' transforms of one image, staged gy and the staging work (either input's).</summary>
        public long GradientScratchFloats => VFloats + MgFloats + (long)Points * TransposeOutputs * GradientTileStride + GradientStagedFloats + StagingWorkFloats;
    }

    // ---------------------------------------------------------------- the kernel: U = G·g·Gᵀ

    /// <summary>
    /// u[((ξ·blocks + b)·inputs + c)·Mr + j] = (G·g·Gᵀ)[ξ] of output b·Mr + j and input c (0 past the last output): each
    /// point's matrix packed as the micro-kernel's A panels. Worked out in float64 and rounded once. With
    /// <paramref name="transposeFlip"/>, w (inputs, outputs, 3, 3) is the data gradient's kernel (<see cref="PaddedConv.Tap"/>).
    /// </summary>
    public static void TransformWeights(float* w, in Plan p, bool transposeFlip, float* u)
    {
        int outputs = p.Outputs, inputs = p.Channels, mr = Gemm.Mr, blocks = p.OutputsPadded / mr;
        new Span<float>(u, checked((int)p.TransformedWeightFloats)).Clear();
        double* g = stackalloc double[9];
        double* half = stackalloc double[Alpha * 3];
        double* full = stackalloc double[Points];
        for (int o = 0; o < outputs; o++)
            for (int c = 0; c < inputs; c++)
            {
                for (int t = 0; t < 9; t++) g[t] = PaddedConv.Tap(w, o, c, t, inputs, outputs, 9, transposeFlip);
                for (int j = 0; j < 3; j++) KernelTransform(g[j], g[3 + j], g[6 + j], half + j, 3); // G·g, column by column
                for (int i = 0; i < Alpha; i++) KernelTransform(half[3 * i], half[3 * i + 1], half[3 * i + 2], full + Alpha * i, 1); // ·Gᵀ
                int b = o / mr, j0 = o % mr;
                for (int xi = 0; xi < Points; xi++) u[(((long)xi * blocks + b) * inputs + c) * mr + j0] = (float)full[xi];
            }
    }

    /// <summary>G·(g0, g1, g2) into 6 values <paramref name="stride"/> apart: G's rows at the points 0, 1, −1, 2, −2, ∞.</summary>
    static void KernelTransform(double g0, double g1, double g2, double* r, int stride)
    {
        r[0] = g0 / 4;
        r[stride] = -(g0 + g1 + g2) / 6;
        r[2 * stride] = -(g0 - g1 + g2) / 6;
        r[3 * stride] = g0 / 24 + g1 / 12 + g2 / 6;
        r[4 * stride] = g0 / 24 - g1 / 12 + g2 / 6;
        r[5 * stride] = g2;
    }

    // ---------------------------------------------------------------- one group of images

    /// <summary>
    /// y of <paramref name="count"/> ≤ <see cref="Plan.ImagesPerGroup"/> images (outputs, H, W, each image
    /// <paramref name="yPerImage"/> floats apart) = x (the plan's source, <paramref name="xPerImage"/> apart) ⋆ the
    /// transformed kernel u, + bias[o] when bias is not null.
    /// </summary>
    public static void Forward(float* x, long xPerImage, int count, in Plan p, float* u, float* bias, float* y, long yPerImage, float* scratch)
    {
        if (p.Lanes == Vector512<float>.Count) Forward<Vector512<float>>(x, xPerImage, count, p, u, bias, y, yPerImage, scratch);
        else Forward<Vector256<float>>(x, xPerImage, count, p, u, bias, y, yPerImage, scratch);
    }

    static void Forward<TVector>(float* x, long xPerImage, int count, in Plan p, float* u, float* bias, float* y, long yPerImage, float* scratch)
        where TVector : struct
    {
        float* v = scratch, m = v + p.VFloats, inverse = m + p.MFloats;
        TransformInputs<TVector>(x, xPerImage, count, p, v, inverse + 40L * p.Lanes);
        Products(p, u, v, m);
        int perImage = p.TilesPerImage;
        long mPoint = (long)p.OutputsPadded * p.Tiles, plane = (long)p.H * p.W;
        for (int i = 0; i < count; i++)
            for (int o = 0; o < p.Outputs; o++)
                for (int r = 0; r < p.TilesH; r++)
                    InverseRow<TVector>(m + (long)o * p.Tiles + i * perImage + r * p.TilesW, mPoint, p, bias == null ? 0f : bias[o],
                        y + i * yPerImage + o * plane + (long)Tile * r * p.W, inverse);
    }

    /// <summary>
    /// V (points, inputs, <see cref="Plan.VRow"/>) of a group's images: tile t of image i in column i·tiles per image + t,
    /// zero past the last image and in the slack rows. <paramref name="work"/>: the staged plane and the 6 rows of the
    /// vertical pass.
    /// </summary>
    static void TransformInputs<TVector>(float* x, long xPerImage, int count, in Plan p, float* v, float* work) where TVector : struct
    {
        float* staged = work, rows = staged + p.StagedFloats, line = rows + (long)Alpha * p.RowVectorFloats;
        int tilesW = p.TilesW, perImage = p.TilesPerImage, vRow = p.VRow;
        long vPoint = (long)p.Channels * vRow, sourcePlane = p.SourcePerImage / p.Channels;
        for (int i = 0; i < count; i++)
            for (int c = 0; c < p.Channels; c++)
            {
                Stage(x + i * xPerImage + c * sourcePlane, p.H, p.W, p.Upsample, 1, p.PhaseLength, p.RowLength, p.StagedFloats, staged, line);
                for (int r = 0; r < p.TilesH; r++)
                    TransformInputRow<TVector>(staged + (long)Tile * r * p.RowLength, p, rows, v + (long)c * vRow + i * perImage + r * tilesW, vPoint);
            }
        // A short group's columns past its last image are never read back; zero, so that no stale NaN runs through the
        // products. (Columns from Tiles on are never read at all.)
        if (count * perImage < p.Tiles)
            for (long row = 0; row < Points * p.Channels; row++) new Span<float>(v + row * vRow + count * perImage, p.Tiles - count * perImage).Clear();
        new Span<float>(v + (long)Points * p.Channels * vRow, Gemm.Mr * vRow).Clear();
    }

    /// <summary>M_ξ = U_ξ · V_ξ for the 36 points: per block of outputs (its rows of U stay in L1), every panel of tiles.</summary>
    static void Products(in Plan p, float* u, float* v, float* m)
    {
        int inputs = p.Channels, tiles = p.Tiles, nr = p.Kernels.Nr, mr = Gemm.Mr, blocks = p.OutputsPadded / mr;
        var wide = p.Kernels.Wide;
        for (int xi = 0; xi < Points; xi++)
        {
            float* ux = u + (long)xi * p.OutputsPadded * inputs, vx = v + (long)xi * inputs * p.VRow, mx = m + (long)xi * p.OutputsPadded * tiles;
            for (int b = 0; b < blocks; b++)
                for (int t0 = 0; t0 < tiles; t0 += nr)
                    wide(inputs, ux + (long)b * inputs * mr, 1, mr, vx + t0, p.VRow, mx + (long)b * mr * tiles + t0, tiles, 1f, 0f);
        }
    }

    /// <summary>
    /// staged[(i + pad)·rowLength + (q mod 4)·wq + q/4] = src[i/u, j/u] for the staged column q = j + pad of row i of an
    /// (h, w) plane upsampled ×u (1 or 2) from its (h/u, w/u) source; zero on the border (pad 0 or 1), past each
    /// phase's end and in the slack up to <paramref name="stagedFloats"/>. Each row is laid out contiguous in
    /// <paramref name="line"/> (<see cref="LineFloats"/>) first, then split by phase.
    /// </summary>
    static void Stage(float* src, int h, int w, int u, int pad, int wq, int rowLength, int stagedFloats, float* staged, float* line)
    {
        int sw = w / u, lineFloats = LineFloats(wq);
        new Span<float>(staged, pad * rowLength).Clear();
        new Span<float>(staged + (long)(h + pad) * rowLength, stagedFloats - (h + pad) * rowLength).Clear();
        new Span<float>(line, lineFloats).Clear();
        for (int i = 0; i < h; i++)
        {
            float* row = staged + (long)(i + pad) * rowLength;
            if (u == 2 && i % 2 == 1)
            {
                Buffer.MemoryCopy(row - rowLength, row, (long)rowLength * sizeof(float), (long)rowLength * sizeof(float)); // repeats the row above
                continue;
            }
            float* s = src + (long)(i / u) * sw;
            if (u == 1) Buffer.MemoryCopy(s, line + pad, (long)w * sizeof(float), (long)w * sizeof(float));
            else CpuBackend.DuplicatePairs(s, line + pad, sw);
            SplitPhases(line, wq, row);
        }
    }

    /// <summary>Floats of a staging line for phases of <paramref name="wq"/>: whole blocks of 32 (8 per phase).</summary>
    static int LineFloats(int wq) => Gemm.RoundUp(wq, 8) * 4;

    static readonly Vector256<int> PhaseOrder = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);

    /// <summary>
    /// row[r·wq + t] = line[4t + r] for r &lt; 4, t &lt; wq, 8 places of each phase per block of 32 floats (an 8 × 4
    /// transpose); a last block past wq spills into the next phase's start or past the row, so the blocks run last
    /// first and the spill is overwritten (or lands in the next row, staged later, or the plane's slack).
    /// </summary>
    static void SplitPhases(float* line, int wq, float* row)
    {
        int blocks = (wq + 7) / 8;
        if (!Avx2.IsSupported)
        {
            for (int t = 0; t < wq; t++)
                for (int r = 0; r < Tile; r++) row[r * wq + t] = line[4 * t + r];
            return;
        }
        for (int b = blocks - 1; b >= 0; b--)
        {
            float* l = line + 32 * b;
            Vector256<float> v0 = Avx.LoadVector256(l), v1 = Avx.LoadVector256(l + 8), v2 = Avx.LoadVector256(l + 16), v3 = Avx.LoadVector256(l + 24);
            // Per 128-bit half: v0 holds places 0 | 1, v1 2 | 3, v2 4 | 5, v3 6 | 7 (4 phases each).
            var lo01 = Avx.UnpackLow(v0, v1).AsDouble();  // p0 p0 p1 p1 of places 0 2 | 1 3
            var hi01 = Avx.UnpackHigh(v0, v1).AsDouble(); // p2 p2 p3 p3
            var lo23 = Avx.UnpackLow(v2, v3).AsDouble();
            var hi23 = Avx.UnpackHigh(v2, v3).AsDouble();
            // Each phase in the place order 0 2 4 6 | 1 3 5 7, then put in order.
            float* at = row + 8 * b;
            Avx.Store(at, Avx2.PermuteVar8x32(Avx.UnpackLow(lo01, lo23).AsSingle(), PhaseOrder));
            Avx.Store(at + wq, Avx2.PermuteVar8x32(Avx.UnpackHigh(lo01, lo23).AsSingle(), PhaseOrder));
            Avx.Store(at + 2 * wq, Avx2.PermuteVar8x32(Avx.UnpackLow(hi01, hi23).AsSingle(), PhaseOrder));
            Avx.Store(at + 3 * wq, Avx2.PermuteVar8x32(Avx.UnpackHigh(hi01, hi23).AsSingle(), PhaseOrder));
        }
    }
}
