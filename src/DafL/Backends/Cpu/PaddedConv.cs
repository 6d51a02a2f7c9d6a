using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static DafL.Backends.Cpu.VectorOps;

namespace DafL.Backends.Cpu;

/// <summary>
/// Register-blocked direct convolution for stride 1 (the generator's 3×3 and LeNet-5's 5×5 layers), without im2col.
/// Each image is first staged into a zero-padded copy (C, Hp, Wp), Hp = H + 2·ph, Wp = W + 2·pw, so that no tap ever
/// falls outside it (<see cref="StagePadded"/>, which can also upsample ×2 by nearest neighbour, so that an upsampled
/// input never exists). In that copy the output pixel (oh, ow) sits at q = oh·Wp + ow and its tap (ki, kj) at
/// q + ki·Wp + kj, so all output pixels of a plane form one run q ∈ [0, Ho·Wp) that the kernels cut into vectors
/// (16 floats, or 8 without AVX-512, each width with register tiles that fit its register file) regardless of where
/// the rows end; the Wp − Wo positions per row past the output's right edge are computed and dropped (forward), or
/// multiply zeros (weight gradient). Worked out per tap, a vector is one unaligned load. The plan
/// (<see cref="ConvGeometry.IsPadded"/>) depends on the shapes only; the sums run in a fixed order whatever the threads.
/// <list type="bullet">
/// <item>Forward: a tile of outputs stays in registers over all C·kH·kW taps (<see cref="ForwardTile"/>): 4 output
/// channels × 6 pixel vectors (Vector512; per tap 6 loads of the shifted input, 4 weight broadcasts, 24 FMAs), 2 × 6
/// (Vector256, 2 to 15 outputs), 1 × 12 (Vector256, one output), or 6 pixels × 16 output channels with the vectors over
/// the outputs (Vector256; per tap 2 weight loads, 6 input broadcasts, 12 FMAs).</item>
/// <item>Data gradient: the forward kernel itself, run on gy padded by k − 1 − p with the weight transposed and
/// flipped (<see cref="PackWeights"/>): gx[c, i, j] = Σ_o,ki,kj gy_pad[o, i + ki, j + kj] · w[o, c, kH−1−ki, kW−1−kj].</item>
/// <item>Weight gradient: gw[o, c, ki, kj] = Σ_images Σ_q gy[o, q] · x_pad[c, q + ki·Wp + kj], for one (block of
/// output channels, c, ki) at a time with one accumulator vector per (output channel, kj), over a group of images;
/// each accumulator is summed to a scalar once per group and added to gw, in group order.</item>
/// </list>
/// </summary>
internal static unsafe partial class PaddedConv
{
    /// <summary>Floats per vector of this machine's kernels (tests run the other width too, via <see cref="Layout.Lanes"/>).</summary>
    public static int NativeLanes => Simd.Has512 ? Vector512<float>.Count : Vector256<float>.Count;
    /// <summary>Pixel vectors of a forward tile whose vectors run over pixels.</summary>
    const int TileVectors = 6;
    /// <summary>Output channels of the AVX2 forward tile whose vectors run over output channels (<see cref="Tile6x16"/>).</summary>
    const int ChannelTileOutputs = 16;
    /// <summary>Pixels of that tile.</summary>
    const int ChannelTilePixels = 6;
    /// <summary>Pixel vectors of the AVX2 forward tile of one output (<see cref="Tile1x12"/>).</summary>
    const int OneOutputVectors = 12;

    /// <summary>
    /// The staged layout of one image: its padded planes and the pixel run the kernels compute, in vectors of
    /// <see cref="Lanes"/> floats (16: the Vector512 kernels, 8: the Vector256 ones).
    /// </summary>
    public readonly struct Layout
    {
        /// <summary>H and W are the convolved (upsampled) sizes; the staged source is (Channels, H/Upsample, W/Upsample).</summary>
        public readonly int Channels, H, W, PadH, PadW, KH, KW, Lanes, Upsample;

        /// <param name="upsample">1, or 2: stage the source upsampled ×2 by nearest neighbour.</param>
        public Layout(int channels, int h, int w, int padH, int padW, int kh, int kw, int lanes, int upsample = 1)
        {
            if (upsample is not (1 or 2) || h % upsample != 0 || w % upsample != 0)
                throw new ArgumentException($"PaddedConv: upsample {upsample} must be 1 or 2 and divide {h}×{w}.");
            Channels = channels; H = h; W = w; PadH = padH; PadW = padW; KH = kh; KW = kw; Lanes = lanes; Upsample = upsample;
        }

        /// <summary>Floats of one source image, (Channels, H/Upsample, W/Upsample).</summary>
        public long SourcePerImage => (long)Channels * (H / Upsample) * (W / Upsample);

        public bool Is512 => Lanes == Vector512<float>.Count;
        /// <summary>Output channels of one weight-gradient block: 8 × 3 or 4 × 5 accumulators (4 × 3 or 2 × 5 in ymm).</summary>
        public int GradientOutputs => (Is512 ? 2 : 1) * (KW == 3 ? 4 : 2);
        public int Hp => H + 2 * PadH;
        public int Wp => W + 2 * PadW;
        public int Ho => Hp - KH + 1;
        public int Wo => Wp - KW + 1;
        /// <summary>Floats of one padded plane.</summary>
        public int Plane => Hp * Wp;
        /// <summary>The pixel run of one output plane, q ∈ [0, Ho·Wp).</summary>
        public int Run => Ho * Wp;
        /// <summary>The run rounded up to whole vectors.</summary>
        public int VectorRun => (Run + Lanes - 1) / Lanes * Lanes;
        /// <summary>
        /// Zeros after the last staged plane for reads past the run: the last vector reads up to
        /// (run rounded up) − Run + kW − 1 floats beyond the plane.
        /// </summary>
        public int Slack(int roundedRun) => roundedRun - Run + KW - 1;
    }

    // ---------------------------------------------------------------- forward (and data gradient)

    /// <summary>
    /// The forward register tile for a layout and a number of outputs. With AVX2 and at least 16 outputs the vectors run
    /// over output channels (<see cref="Tile6x16"/>: 6 pixels × 16 outputs, per tap 2 aligned weight loads and 6
    /// broadcasts, the GEMM micro-kernel's shape); otherwise they run over pixels (<see cref="Tile4x6"/>,
    /// <see cref="Tile2x6"/>: 4 or 2 outputs × 6 vectors of pixels, per tap 6 shifted loads, most across two cache
    /// lines; <see cref="Tile1x12"/> for one output). All sum each output in the same order, so the choice changes no bit.
    /// </summary>
    public readonly struct ForwardTile
    {
        /// <summary>Output channels of one tile (the packed weights' block).</summary>
        public readonly int Outputs;
        /// <summary>Pixels of one tile.</summary>
        public readonly int Pixels;
        /// <summary>The layout's pixel run rounded up to whole tiles (and, for channel vectors, to whole 8 × 8 transposes).</summary>
        public readonly int Run;
        public readonly bool ChannelVectors;
        /// <summary>One output (AVX2): <see cref="Tile1x12"/>, where the 2-output tile would compute a zero one beside it.</summary>
        public readonly bool OneOutput;

        public ForwardTile(in Layout l, int outputs)
        {
            ChannelVectors = !l.Is512 && outputs >= ChannelTileOutputs;
            OneOutput = !l.Is512 && outputs == 1;
            Outputs = ChannelVectors ? ChannelTileOutputs : OneOutput ? 1 : l.Is512 ? 4 : 2;
            Pixels = ChannelVectors ? ChannelTilePixels : (OneOutput ? OneOutputVectors : TileVectors) * l.Lanes;
            Run = Gemm.RoundUp(l.Run, ChannelVectors ? 24 : Pixels); // 24: whole tiles of 6 and whole transposes of 8
        }

        /// <summary>
        /// Floats of the tile's output buffers: one block of outputs over the run, (Outputs, Run), and for channel
        /// vectors the same pixel-major, (Run, Outputs), as the tile writes it.
        /// </summary>
        public long BufferFloats => (ChannelVectors ? 2L : 1L) * Outputs * Run;
    }

    /// <summary>Floats of <see cref="PackWeights"/>' result: the outputs rounded up to whole tiles, × inputs × taps.</summary>
    public static long PackedWeightFloats(int outputs, in Layout l) =>
        (long)Gemm.RoundUp(outputs, new ForwardTile(l, outputs).Outputs) * l.Channels * l.KH * l.KW;

    /// <summary>
    /// packed[((b·inputs + c)·kH·kW + t)·T + j] = weight of output b·T + j, input c, tap t (0 past the last output),
    /// T = <see cref="ForwardTile.Outputs"/>, inputs = the layout's channels: each tile reads its weights in tap order.
    /// With <paramref name="transposeFlip"/>, w (inputs, outputs, kH, kW) is the data gradient's kernel read transposed:
    /// w'[o, c, t] = w[c, o, t]. Its flip, w'[o, c, ki, kj] = w[c, o, kH−1−ki, kW−1−kj], is left to <see cref="Forward"/>,
    /// which walks that case's taps last to first (the flipped kernel read backwards is w in its own order).
    /// </summary>
    public static void PackWeights(float* w, int outputs, in Layout l, bool transposeFlip, float* packed)
    {
        int inputs = l.Channels, taps = l.KH * l.KW, tile = new ForwardTile(l, outputs).Outputs, blocks = (outputs + tile - 1) / tile;
        for (int b = 0; b < blocks; b++)
            for (int c = 0; c < inputs; c++)
                for (int t = 0; t < taps; t++)
                    for (int j = 0; j < tile; j++)
                    {
                        int o = b * tile + j;
                        // the data gradient's flipped kernel, packed backwards: w itself, in its own tap order
                        int tap = transposeFlip ? taps - 1 - t : t;
                        packed[(((long)b * inputs + c) * taps + t) * tile + j] = o < outputs ? Tap(w, o, c, tap, inputs, outputs, taps, transposeFlip) : 0f;
                    }
    }

    /// <summary>
    /// Tap t of the kernel from input c to output o: w (outputs, inputs, kH, kW)[o, c, t], or with
    /// <paramref name="transposeFlip"/> the data gradient's kernel read from w (inputs, outputs, kH, kW):
    /// w'[o, c, t] = w[c, o, taps − 1 − t].
    /// </summary>
    public static float Tap(float* w, int o, int c, int t, int inputs, int outputs, int taps, bool transposeFlip) =>
        transposeFlip ? w[((long)c * outputs + o) * taps + taps - 1 - t] : w[((long)o * inputs + c) * taps + t];

    /// <summary>Scratch floats of <see cref="Forward"/>: the staged image and the tile's output buffers.</summary>
    public static long ForwardScratchFloats(in Layout l, int outputs)
    {
        var tile = new ForwardTile(l, outputs);
        return (long)l.Channels * l.Plane + l.Slack(tile.Run) + tile.BufferFloats;
    }

    /// <summary>
    /// y (outputs, Ho, Wo) = x (the layout's source, staged) ⋆ the packed kernel (+ bias[o] when bias is not null), one image.
    /// Each output sums bias first, then input by input and tap by tap, taps in kernel order, or last to first for
    /// <paramref name="transposeFlip"/> (which must be what <see cref="PackWeights"/> got): so the weight of tap
    /// (0, 0) always comes first, the order of <see cref="DirectConv"/>, whose results these are for one output channel.
    /// </summary>
    public static void Forward(float* x, in Layout l, float* packed, int outputs, bool transposeFlip, float* bias, float* y, float* scratch)
    {
        var tile = new ForwardTile(l, outputs);
        float* staged = scratch, tileRow = scratch + (long)l.Channels * l.Plane + l.Slack(tile.Run), pixelMajor = tileRow + (long)tile.Outputs * tile.Run;
        StagePadded(x, l, staged, l.Plane);
        new Span<float>(staged + (long)l.Channels * l.Plane, l.Slack(tile.Run)).Clear();
        int taps = l.KH * l.KW, wp = l.Wp, wo = l.Wo, ho = l.Ho, run = tile.Run;
        int* offsets = stackalloc int[taps];
        for (int ki = 0, t = 0; ki < l.KH; ki++)
            for (int kj = 0; kj < l.KW; kj++, t++) offsets[transposeFlip ? taps - 1 - t : t] = ki * wp + kj;
        int tileOutputs = tile.Outputs;
        float* start = stackalloc float[tileOutputs];
        long weightsPerBlock = (long)l.Channels * taps * tileOutputs;
        for (int o0 = 0; o0 < outputs; o0 += tileOutputs)
        {
            float* wb = packed + o0 / tileOutputs * weightsPerBlock;
            for (int j = 0; j < tileOutputs; j++) start[j] = bias != null && o0 + j < outputs ? bias[o0 + j] : 0f;
            if (tile.ChannelVectors)
            {
                for (int q = 0; q < run; q += ChannelTilePixels) Tile6x16(l.Channels, taps, offsets, staged + q, l.Plane, wb, start, pixelMajor + q * ChannelTileOutputs);
                // (Run, 16) → (16, Run), 8 pixels × 8 outputs at a time
                for (int q = 0; q < run; q += 8)
                    for (int j = 0; j < ChannelTileOutputs; j += 8)
                        Gemm.Transpose8x8(pixelMajor + q * ChannelTileOutputs + j, ChannelTileOutputs, 8, tileRow + (long)j * run + q, run);
            }
            else
                for (int q = 0; q < run; q += tile.Pixels)
                {
                    if (l.Is512) Tile4x6(l.Channels, taps, offsets, staged + q, l.Plane, wb, start, tileRow + q, run);
                    else if (tile.OneOutput) Tile1x12(l.Channels, taps, offsets, staged + q, l.Plane, wb, start[0], tileRow + q);
                    else Tile2x6(l.Channels, taps, offsets, staged + q, l.Plane, wb, start, tileRow + q, run);
                }
            // Keep the first Wo of every Wp positions: the rest lie past the output's right edge.
            long rowBytes = (long)wo * sizeof(float);
            for (int j = 0; j < Math.Min(tileOutputs, outputs - o0); j++)
            {
                float* src = tileRow + (long)j * run, dst = y + (long)(o0 + j) * ho * wo;
                for (int oh = 0; oh < ho; oh++, src += wp, dst += wo) Buffer.MemoryCopy(src, dst, rowBytes, rowBytes);
            }
        }
    }

    /// <summary>
    /// out[j·ldOut + 0..6L) = start[j] + Σ_c,t w[c, t, j] · x[c·plane + offsets[t] + 0..6L) for j &lt; 4, L = 16 floats per vector: the 4 × 6 zmm vectors stay
    /// in registers over every tap (explicit locals, so the JIT keeps them there).
    /// </summary>
    static void Tile4x6(int channels, int taps, int* offsets, float* x, nint plane, float* w, float* start, float* output, nint ldOut)
    {
        const int l = 16;
        Vector512<float> a00 = Vector512.Create(start[0]), a01 = a00, a02 = a00, a03 = a00, a04 = a00, a05 = a00,
            a10 = Vector512.Create(start[1]), a11 = a10, a12 = a10, a13 = a10, a14 = a10, a15 = a10,
            a20 = Vector512.Create(start[2]), a21 = a20, a22 = a20, a23 = a20, a24 = a20, a25 = a20,
            a30 = Vector512.Create(start[3]), a31 = a30, a32 = a30, a33 = a30, a34 = a30, a35 = a30;
        for (int c = 0; c < channels; c++, x += plane)
            for (int t = 0; t < taps; t++, w += 4)
            {
                float* p = x + offsets[t];
                var x0 = Vector512.Load(p);
                var x1 = Vector512.Load(p + l);
                var x2 = Vector512.Load(p + 2 * l);
                var x3 = Vector512.Load(p + 3 * l);
                var x4 = Vector512.Load(p + 4 * l);
                var x5 = Vector512.Load(p + 5 * l);
                var b = Vector512.Create(w[0]);
                a00 = Vector512.FusedMultiplyAdd(b, x0, a00); a01 = Vector512.FusedMultiplyAdd(b, x1, a01);
                a02 = Vector512.FusedMultiplyAdd(b, x2, a02); a03 = Vector512.FusedMultiplyAdd(b, x3, a03);
                a04 = Vector512.FusedMultiplyAdd(b, x4, a04); a05 = Vector512.FusedMultiplyAdd(b, x5, a05);
                b = Vector512.Create(w[1]);
                a10 = Vector512.FusedMultiplyAdd(b, x0, a10); a11 = Vector512.FusedMultiplyAdd(b, x1, a11);
                a12 = Vector512.FusedMultiplyAdd(b, x2, a12); a13 = Vector512.FusedMultiplyAdd(b, x3, a13);
                a14 = Vector512.FusedMultiplyAdd(b, x4, a14); a15 = Vector512.FusedMultiplyAdd(b, x5, a15);
                b = Vector512.Create(w[2]);
                a20 = Vector512.FusedMultiplyAdd(b, x0, a20); a21 = Vector512.FusedMultiplyAdd(b, x1, a21);
                a22 = Vector512.FusedMultiplyAdd(b, x2, a22); a23 = Vector512.FusedMultiplyAdd(b, x3, a23);
                a24 = Vector512.FusedMultiplyAdd(b, x4, a24); a25 = Vector512.FusedMultiplyAdd(b, x5, a25);
                b = Vector512.Create(w[3]);
                a30 = Vector512.FusedMultiplyAdd(b, x0, a30); a31 = Vector512.FusedMultiplyAdd(b, x1, a31);
                a32 = Vector512.FusedMultiplyAdd(b, x2, a32); a33 = Vector512.FusedMultiplyAdd(b, x3, a33);
                a34 = Vector512.FusedMultiplyAdd(b, x4, a34); a35 = Vector512.FusedMultiplyAdd(b, x5, a35);
            }
        StoreRow(output, a00, a01, a02, a03, a04, a05); output += ldOut;
        StoreRow(output, a10, a11, a12, a13, a14, a15); output += ldOut;
        StoreRow(output, a20, a21, a22, a23, a24, a25); output += ldOut;
        StoreRow(output, a30, a31, a32, a33, a34, a35);
    }

    /// <summary><see cref="Tile4x6"/> for AVX2: 2 outputs × 6 vectors of 8 (12 of the 16 ymm registers).</summary>
    static void Tile2x6(int channels, int taps, int* offsets, float* x, nint plane, float* w, float* start, float* output, nint ldOut)
    {
        Vector256<float> a00 = Vector256.Create(start[0]), a01 = a00, a02 = a00, a03 = a00, a04 = a00, a05 = a00,
            a10 = Vector256.Create(start[1]), a11 = a10, a12 = a10, a13 = a10, a14 = a10, a15 = a10;
        for (int c = 0; c < channels; c++, x += plane)
            for (int t = 0; t < taps; t++, w += 2)
            {
                float* p = x + offsets[t];
                var b0 = Vector256.Create(w[0]);
                var b1 = Vector256.Create(w[1]);
                var v = Vector256.Load(p);
                a00 = Vector256.FusedMultiplyAdd(b0, v, a00); a10 = Vector256.FusedMultiplyAdd(b1, v, a10);
                v = Vector256.Load(p + 8);
                a01 = Vector256.FusedMultiplyAdd(b0, v, a01); a11 = Vector256.FusedMultiplyAdd(b1, v, a11);
                v = Vector256.Load(p + 16);
                a02 = Vector256.FusedMultiplyAdd(b0, v, a02); a12 = Vector256.FusedMultiplyAdd(b1, v, a12);
                v = Vector256.Load(p + 24);
                a03 = Vector256.FusedMultiplyAdd(b0, v, a03); a13 = Vector256.FusedMultiplyAdd(b1, v, a13);
                v = Vector256.Load(p + 32);
                a04 = Vector256.FusedMultiplyAdd(b0, v, a04); a14 = Vector256.FusedMultiplyAdd(b1, v, a14);
                v = Vector256.Load(p + 40);
                a05 = Vector256.FusedMultiplyAdd(b0, v, a05); a15 = Vector256.FusedMultiplyAdd(b1, v, a15);
            }
        StoreRow(output, a00, a01, a02, a03, a04, a05);
        StoreRow(output + ldOut, a10, a11, a12, a13, a14, a15);
    }

    /// <summary>
    /// out[0..12L) = start + Σ_c,t w[c, t] · x[c·plane + offsets[t] + 0..12L), L = 8: one output over 12 pixel vectors
    /// (12 of the 16 ymm registers), per tap 12 shifted loads and one broadcast.
    /// </summary>
    static void Tile1x12(int channels, int taps, int* offsets, float* x, nint plane, float* w, float start, float* output)
    {
        Vector256<float> a0 = Vector256.Create(start), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
            a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int c = 0; c < channels; c++, x += plane)
            for (int t = 0; t < taps; t++, w++)
            {
                float* p = x + offsets[t];
                var b = Vector256.Create(w[0]);
                a0 = Vector256.FusedMultiplyAdd(b, Vector256.Load(p), a0); a1 = Vector256.FusedMultiplyAdd(b, Vector256.Load(p + 8), a1);
                a2 = Vector256.FusedMultiplyAdd(b, Vector256.Load(p + 16), a2); a3 = Vector256.FusedMultiplyAdd(b, Vector256.Load(p + 24), a3);
                a4 = Vector256.FusedMultiplyAdd(b, Vector256.Load(p + 32), a4); a5 = Vector256.FusedMultiplyAdd(b, Vector256.Load(p + 40), a5);
                a6 = Vector256.FusedMultiplyAdd(b, Vector256.Load(p + 48), a6); a7 = Vector256.FusedMultiplyAdd(b, Vector256.Load(p + 56), a7);
                a8 = Vector256.FusedMultiplyAdd(b, Vector256.Load(p + 64), a8); a9 = Vector256.FusedMultiplyAdd(b, Vector256.Load(p + 72), a9);
                a10 = Vector256.FusedMultiplyAdd(b, Vector256.Load(p + 80), a10); a11 = Vector256.FusedMultiplyAdd(b, Vector256.Load(p + 88), a11);
            }
        StoreRow(output, a0, a1, a2, a3, a4, a5);
        StoreRow(output + 48, a6, a7, a8, a9, a10, a11);
    }

    /// <summary>
    /// out[i·16 + 0..16) = start[0..16) + Σ_c,t x[c·plane + offsets[t] + i] · w[c, t, 0..16) for the 6 pixels i: the
    /// vectors run over 16 output channels (2 ymm), each pixel's input a broadcast, so per tap 2 aligned weight loads,
    /// 6 broadcasts and 12 FMAs in 12 accumulators (15 of the 16 ymm registers).
    /// </summary>
    static void Tile6x16(int channels, int taps, int* offsets, float* x, nint plane, float* w, float* start, float* output)
    {
        var s0 = Vector256.Load(start);
        var s1 = Vector256.Load(start + 8);
        Vector256<float> a00 = s0, a01 = s1, a10 = s0, a11 = s1, a20 = s0, a21 = s1, a30 = s0, a31 = s1, a40 = s0, a41 = s1, a50 = s0, a51 = s1;
        for (int c = 0; c < channels; c++, x += plane)
            for (int t = 0; t < taps; t++, w += 16)
            {
                float* p = x + offsets[t];
                var w0 = Vector256.Load(w);
                var w1 = Vector256.Load(w + 8);
                var b = Vector256.Create(p[0]);
                a00 = Vector256.FusedMultiplyAdd(b, w0, a00); a01 = Vector256.FusedMultiplyAdd(b, w1, a01);
                b = Vector256.Create(p[1]);
                a10 = Vector256.FusedMultiplyAdd(b, w0, a10); a11 = Vector256.FusedMultiplyAdd(b, w1, a11);
                b = Vector256.Create(p[2]);
                a20 = Vector256.FusedMultiplyAdd(b, w0, a20); a21 = Vector256.FusedMultiplyAdd(b, w1, a21);
                b = Vector256.Create(p[3]);
                a30 = Vector256.FusedMultiplyAdd(b, w0, a30); a31 = Vector256.FusedMultiplyAdd(b, w1, a31);
                b = Vector256.Create(p[4]);
                a40 = Vector256.FusedMultiplyAdd(b, w0, a40); a41 = Vector256.FusedMultiplyAdd(b, w1, a41);
                b = Vector256.Create(p[5]);
                a50 = Vector256.FusedMultiplyAdd(b, w0, a50); a51 = Vector256.FusedMultiplyAdd(b, w1, a51);
            }
        Vector256.Store(a00, output); Vector256.Store(a01, output + 8);
        Vector256.Store(a10, output + 16); Vector256.Store(a11, output + 24);
        Vector256.Store(a20, output + 32); Vector256.Store(a21, output + 40);
        Vector256.Store(a30, output + 48); Vector256.Store(a31, output + 56);
        Vector256.Store(a40, output + 64); Vector256.Store(a41, output + 72);
        Vector256.Store(a50, output + 80); Vector256.Store(a51, output + 88);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreRow<TVector>(float* p, TVector v0, TVector v1, TVector v2, TVector v3, TVector v4, TVector v5) where TVector : struct
    {
        int l = Count<TVector>();
        Store(v0, p); Store(v1, p + l); Store(v2, p + 2 * l); Store(v3, p + 3 * l); Store(v4, p + 4 * l); Store(v5, p + 5 * l);
    }

    // ---------------------------------------------------------------- weight gradient

    /// <summary>Inputs of one <see cref="Inputs4x3"/> tile, the weight gradient of a 3-wide layer of one output.</summary>
    const int OneOutputInputs = 4;

    /// <summary>Scratch floats of <see cref="BackwardWeight"/> for <paramref name="images"/> images of outputs channels.</summary>
    public static long WeightScratchFloats(in Layout l, int outputs, int images)
    {
        int ob = l.GradientOutputs, paddedOutputs = (outputs + ob - 1) / ob * ob;
        return (long)l.Channels * images * l.Plane + l.Slack(l.VectorRun) + (long)paddedOutputs * images * l.VectorRun;
    }

    /// <summary>
    /// gw (outputs, Channels, kH, kW) += the weight gradient of <paramref name="images"/> images of x (the layout's source)
    /// and gy (outputs, Ho, Wo). x is staged channel by channel with the images side by side, gy with the images side
    /// by side in runs of <see cref="Layout.VectorRun"/> (zero past each row's Wo and past the run), padded with zero
    /// channels to whole blocks; per (block of outputs, c, ki) the accumulators run over all images before one sum each
    /// (for one output and a 3-wide kernel, per (block of 4 inputs, ki): <see cref="Inputs4x3"/>).
    /// </summary>
    public static void BackwardWeight(float* x, float* gy, int images, in Layout l, int outputs, float* gw, float* scratch)
    {
        int ob = l.GradientOutputs, paddedOutputs = (outputs + ob - 1) / ob * ob;
        int plane = l.Plane, vrun = l.VectorRun, wp = l.Wp, wo = l.Wo, ho = l.Ho, c = l.Channels;
        long xChannel = (long)images * plane, gChannel = (long)images * vrun;
        float* xs = scratch, gs = scratch + c * xChannel + l.Slack(vrun);
        for (int n = 0; n < images; n++) StagePadded(x + n * l.SourcePerImage, l, xs + (long)n * plane, xChannel);
        new Span<float>(xs + c * xChannel, l.Slack(vrun)).Clear();
        new Span<float>(gs, checked((int)(paddedOutputs * gChannel))).Clear();
        long rowBytes = (long)wo * sizeof(float);
        for (int n = 0; n < images; n++)
            for (int o = 0; o < outputs; o++)
            {
                float* src = gy + ((long)n * outputs + o) * ho * wo, dst = gs + o * gChannel + (long)n * vrun;
                for (int oh = 0; oh < ho; oh++, src += wo, dst += wp) Buffer.MemoryCopy(src, dst, rowBytes, rowBytes);
            }
        float* sums = stackalloc float[Math.Max(ob, OneOutputInputs) * l.KW];
        int taps = l.KH * l.KW;
        if (outputs == 1 && l.KW == 3 && c % OneOutputInputs == 0)
        {
            for (int c0 = 0; c0 < c; c0 += OneOutputInputs)
                for (int ki = 0; ki < l.KH; ki++)
                {
                    float* xr = xs + c0 * xChannel + ki * wp;
                    if (l.Is512) Inputs4x3<Vector512<float>>(xr, (nint)xChannel, gs, images, plane, vrun, sums);
                    else Inputs4x3<Vector256<float>>(xr, (nint)xChannel, gs, images, plane, vrun, sums);
                    for (int j = 0; j < OneOutputInputs; j++)
                        for (int kj = 0; kj < 3; kj++) gw[(long)(c0 + j) * taps + ki * 3 + kj] += sums[j * 3 + kj];
                }
            return;
        }
        for (int o0 = 0; o0 < outputs; o0 += ob)
            for (int ci = 0; ci < c; ci++)
                for (int ki = 0; ki < l.KH; ki++)
                {
                    float* xr = xs + ci * xChannel + ki * wp, gr = gs + o0 * gChannel;
                    if (l.Is512 && l.KW == 3) Row8x3<Vector512<float>>(xr, gr, (nint)gChannel, images, plane, vrun, sums);
                    else if (l.Is512) Row4x5<Vector512<float>>(xr, gr, (nint)gChannel, images, plane, vrun, sums);
                    else if (l.KW == 3) Row4x3<Vector256<float>>(xr, gr, (nint)gChannel, images, plane, vrun, sums);
                    else Row2x5<Vector256<float>>(xr, gr, (nint)gChannel, images, plane, vrun, sums);
                    for (int j = 0; j < Math.Min(ob, outputs - o0); j++)
                    {
                        float* target = gw + ((long)(o0 + j) * c + ci) * taps + ki * l.KW;
                        for (int kj = 0; kj < l.KW; kj++) target[kj] += sums[j * l.KW + kj];
                    }
                }
    }
}
