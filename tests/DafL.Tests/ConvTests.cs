using DafL.Backends;
using DafL.Backends.Cpu;
using DafL.Memory;
using DafL.Random;
using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests;

public unsafe class ConvTests
{
    /// <summary>One convolution: x (N, C, H, W), weight (O, C, KH, KW), square stride and padding.</summary>
    public sealed record Case(int N, int C, int H, int W, int O, int KH, int KW, int Stride, int Padding)
    {
        public int Ho => (H + 2 * Padding - KH) / Stride + 1;
        public int Wo => (W + 2 * Padding - KW) / Stride + 1;
        public int[] XShape => [N, C, H, W];
        public int[] WShape => [O, C, KH, KW];
        public int[] YShape => [N, O, Ho, Wo];
        internal ConvGeometry Plan => new(XShape, WShape, Stride, Padding);
        public override string ToString() => $"x[{N},{C},{H},{W}] w[{O},{C},{KH},{KW}] s{Stride} p{Padding}";
    }

    // im2col + GEMM (more than four output channels, strided or a kernel other than 3 or 5 wide)
    static readonly Case Pointwise = new(1, 5, 16, 17, 6, 1, 1, 1, 0);
    static readonly Case PointwiseBatch = new(5, 4, 6, 7, 6, 1, 1, 1, 0);
    static readonly Case Pad1Batch5NonSquare = new(5, 3, 7, 9, 5, 3, 3, 1, 1);
    static readonly Case Kernel5Batch1 = new(1, 2, 12, 10, 6, 5, 5, 1, 0);
    static readonly Case Stride2Batch5 = new(5, 3, 9, 8, 5, 3, 3, 2, 1);
    static readonly Case OnePixelOutput = new(5, 4, 5, 5, 7, 5, 5, 1, 0);
    static readonly Case OnePixelStrided = new(5, 3, 6, 6, 6, 5, 5, 2, 0);
    static readonly Case Banded = new(1, 12, 32, 32, 5, 7, 7, 1, 3);
    static readonly Case PointwiseStride2 = new(2, 3, 8, 8, 5, 1, 1, 2, 0);
    static readonly Case Stride2Large = new(1, 2, 40, 36, 6, 5, 5, 2, 2);
    static readonly Case PaddingBeyondKernel = new(2, 2, 4, 5, 5, 3, 3, 2, 3);
    static readonly Case WideRows = new(1, 3, 20, 27, 5, 3, 3, 1, 1);
    static readonly Case Stride2ShortLastGroup = new(13, 3, 9, 9, 5, 3, 3, 2, 1);
    // direct (at most four output channels, strided or a kernel other than 3 or 5 wide)
    static readonly Case DirectStride2 = new(2, 3, 9, 11, 3, 5, 5, 2, 2);
    static readonly Case DirectPaddingBeyondKernel = new(2, 2, 4, 5, 2, 3, 3, 2, 3);
    static readonly Case DirectPointwise = new(2, 3, 4, 6, 4, 1, 1, 1, 0);

    // padded direct (stride 1, 3×3 or 5×5; PaddedConv), also for one to four outputs (the generator's last layer, LeNet-5-half's first)
    static readonly Case PaddedOneOutput = new(3, 4, 10, 9, 1, 3, 3, 1, 1);
    static readonly Case PaddedThreeOutputsKernel5 = new(2, 1, 32, 32, 3, 5, 5, 1, 0);
    static readonly Case PaddedGenerator = new(3, 16, 16, 16, 16, 3, 3, 1, 1);
    static readonly Case PaddedOddWidth = new(2, 5, 7, 20, 7, 3, 3, 1, 1);
    static readonly Case PaddedOneRow = new(2, 3, 1, 9, 6, 3, 3, 1, 1);
    static readonly Case PaddedOneChannel = new(2, 1, 12, 12, 9, 3, 3, 1, 1);
    static readonly Case PaddedLeNet = new(2, 6, 14, 14, 16, 5, 5, 1, 0);
    static readonly Case PaddedLeNetFirstBatch1 = new(1, 1, 32, 32, 6, 5, 5, 1, 0);
    static readonly Case PaddedWideKernelRows = new(2, 2, 6, 11, 5, 3, 5, 1, 1);
    static readonly Case PaddedShortLastGroup = new(27, 2, 20, 20, 5, 3, 3, 1, 1);
    // Winograd F(4×4, 3×3) (3×3, stride 1, padding 1, sides multiples of 4, inputs·outputs ≥ 10·(inputs + outputs))
    static readonly Case WinogradShortLastGroup = new(6, 40, 16, 16, 41, 3, 3, 1, 1);
    static readonly Case WinogradNonSquare = new(2, 48, 8, 12, 35, 3, 3, 1, 1);
    static readonly Case WinogradWide = new(2, 128, 16, 16, 64, 3, 3, 1, 1);
    static readonly Case WinogradWholeVectorOfTiles = new(1, 40, 32, 32, 40, 3, 3, 1, 1);
    static readonly Case WinogradOneTilePerImage = new(3, 64, 4, 4, 72, 3, 3, 1, 1);
    static readonly Case WinogradWidth32 = new(3, 32, 8, 8, 32, 3, 3, 1, 1);

    static readonly Case[] Cases =
    [
        PaddedGenerator, PaddedOddWidth, PaddedOneRow, PaddedOneChannel, PaddedLeNet, PaddedLeNetFirstBatch1, PaddedWideKernelRows, PaddedShortLastGroup,
        PaddedOneOutput, PaddedThreeOutputsKernel5,
        WinogradShortLastGroup, WinogradNonSquare, WinogradWide, WinogradWholeVectorOfTiles, WinogradOneTilePerImage, WinogradWidth32,
        Pointwise, PointwiseBatch, Pad1Batch5NonSquare, Kernel5Batch1, Stride2Batch5, OnePixelOutput, OnePixelStrided, Banded, PointwiseStride2,
        Stride2Large, PaddingBeyondKernel, WideRows, Stride2ShortLastGroup, DirectStride2, DirectPaddingBeyondKernel, DirectPointwise,
    ];

    long _buffersAtStart, _tensorsAtStart;

    [SetUp]
    public void RecordLiveCounts()
    {
        _buffersAtStart = BufferPool.LiveBuffers;
        _tensorsAtStart = Tensor.LiveTensors;
    }

    [TearDown]
    public void NothingLeaked()
    {
        Assert.That(Tensor.LiveTensors, Is.EqualTo(_tensorsAtStart), "tensors leaked");
        Assert.That(BufferPool.LiveBuffers, Is.EqualTo(_buffersAtStart), "buffers leaked");
    }

    // ---------------------------------------------------------------- naive reference (7 loops, float64)

    /// <summary>y[n,o,oh,ow] = b[o] + Σ_c,ki,kj w[o,c,ki,kj]·x[n,c,oh·s−p+ki,ow·s−p+kj]; mag is the same sum of |terms|.</summary>
    static (double[] Y, double[] Mag) NaiveForward(Case k, float[] x, float[] w, float[]? b)
    {
        var y = new double[k.N * k.O * k.Ho * k.Wo];
        var mag = new double[y.Length];
        for (int n = 0; n < k.N; n++)
            for (int o = 0; o < k.O; o++)
                for (int oh = 0; oh < k.Ho; oh++)
                    for (int ow = 0; ow < k.Wo; ow++)
                    {
                        int yi = ((n * k.O + o) * k.Ho + oh) * k.Wo + ow;
                        y[yi] = b?[o] ?? 0;
                        mag[yi] = Math.Abs(y[yi]);
                        for (int c = 0; c < k.C; c++)
                            for (int ki = 0; ki < k.KH; ki++)
                                for (int kj = 0; kj < k.KW; kj++)
                                {
                                    int ih = oh * k.Stride - k.Padding + ki, iw = ow * k.Stride - k.Padding + kj;
                                    if (ih < 0 || ih >= k.H || iw < 0 || iw >= k.W) continue;
                                    double t = (double)w[((o * k.C + c) * k.KH + ki) * k.KW + kj] * x[((n * k.C + c) * k.H + ih) * k.W + iw];
                                    y[yi] += t;
                                    mag[yi] += Math.Abs(t);
                                }
                    }
        return (y, mag);
    }

    /// <summary>The same seven loops, scattering gy into gx, gw and gb (each with its sum of |terms|).</summary>
    static (double[] Gx, double[] GxMag, double[] Gw, double[] GwMag, double[] Gb, double[] GbMag) NaiveBackward(Case k, float[] x, float[] w, float[] gy)
    {
        var gx = new double[x.Length]; var gxMag = new double[x.Length];
        var gw = new double[w.Length]; var gwMag = new double[w.Length];
        var gb = new double[k.O]; var gbMag = new double[k.O];
        for (int n = 0; n < k.N; n++)
            for (int o = 0; o < k.O; o++)
                for (int oh = 0; oh < k.Ho; oh++)
                    for (int ow = 0; ow < k.Wo; ow++)
                    {
                        double g = gy[((n * k.O + o) * k.Ho + oh) * k.Wo + ow];
                        gb[o] += g;
                        gbMag[o] += Math.Abs(g);
                        for (int c = 0; c < k.C; c++)
                            for (int ki = 0; ki < k.KH; ki++)
                                for (int kj = 0; kj < k.KW; kj++)
                                {
                                    int ih = oh * k.Stride - k.Padding + ki, iw = ow * k.Stride - k.Padding + kj;
                                    if (ih < 0 || ih >= k.H || iw < 0 || iw >= k.W) continue;
                                    int xi = ((n * k.C + c) * k.H + ih) * k.W + iw, wi = ((o * k.C + c) * k.KH + ki) * k.KW + kj;
                                    gx[xi] += g * w[wi];
                                    gxMag[xi] += Math.Abs(g * w[wi]);
                                    gw[wi] += g * x[xi];
                                    gwMag[wi] += Math.Abs(g * x[xi]);
                                }
                    }
        return (gx, gxMag, gw, gwMag, gb, gbMag);
    }

    /// <summary>float32 sums of K terms in any order stay within a few K·2⁻²⁴ of the sum of |terms|.</summary>
    static void AssertClose(float[] got, double[] expected, double[] mag, string what)
    {
        Assert.That(got, Has.Length.EqualTo(expected.Length), what);
        for (int i = 0; i < got.Length; i++)
        {
            double tolerance = 1e-5 * mag[i] + 1e-6;
            if (Math.Abs(got[i] - expected[i]) > tolerance)
                Assert.Fail($"{what}: element {i} is {got[i]:G9}, expected {expected[i]:G9} (tolerance {tolerance:G3}).");
        }
    }

    static float[] Values(int[] shape, ulong seed)
    {
        using var t = GradCheck.Input(shape, seed);
        return t.ToArray();
    }

    static Tensor Random(int[] shape, ulong seed, bool requiresGrad)
    {
        var t = GradCheck.Input(shape, seed);
        t.RequiresGrad = requiresGrad;
        return t;
    }

    // ---------------------------------------------------------------- forward and backward against the reference

    [TestCaseSource(nameof(Cases))]
    public void ForwardMatchesNaiveLoops(Case k)
    {
        using var x = Random(k.XShape, 1, false);
        using var w = Random(k.WShape, 2, false);
        using var b = Random([k.O], 3, false);
        using var y = Conv2d(x, w, b, k.Stride, k.Padding);
        Assert.That(y.Shape, Is.EqualTo(k.YShape));
        var (expected, mag) = NaiveForward(k, x.ToArray(), w.ToArray(), b.ToArray());
        AssertClose(y.ToArray(), expected, mag, $"y of {k}");
    }

    [TestCaseSource(nameof(Cases))]
    public void ForwardWithoutBiasMatchesNaiveLoops(Case k)
    {
        using var x = Random(k.XShape, 4, false);
        using var w = Random(k.WShape, 5, false);
        using var y = Conv2d(x, w, null, k.Stride, k.Padding);
        var (expected, mag) = NaiveForward(k, x.ToArray(), w.ToArray(), null);
        AssertClose(y.ToArray(), expected, mag, $"y of {k}");
    }

    [TestCaseSource(nameof(Cases))]
    public void BackwardMatchesNaiveLoops(Case k)
    {
        using var x = Random(k.XShape, 6, true);
        using var w = Random(k.WShape, 7, true);
        using var b = Random([k.O], 8, true);
        using var gy = Random(k.YShape, 9, false);
        using (var y = Conv2d(x, w, b, k.Stride, k.Padding)) y.Backward(gy);
        var r = NaiveBackward(k, x.ToArray(), w.ToArray(), gy.ToArray());
        AssertClose(x.Grad!.ToArray(), r.Gx, r.GxMag, $"gx of {k}");
        AssertClose(w.Grad!.ToArray(), r.Gw, r.GwMag, $"gw of {k}");
        AssertClose(b.Grad!.ToArray(), r.Gb, r.GbMag, $"gb of {k}");
    }

    [Test]
    public void CasesCoverEveryPanelLayout()
    {
        foreach (var k in Cases)
            Assert.That(k.Plan.IsDirect, Is.EqualTo(k.O <= 4 && !k.Plan.IsPadded && !k.Plan.IsFullyConnected), $"{k.Plan}: direct only for few outputs");
        Assert.That(Pointwise.Plan is { IsPointwise: true, ImagesPerGroup: 1 }, Is.True, $"{Pointwise.Plan}: x read in place");
        Assert.That(PointwiseBatch.Plan is { IsPointwise: true, ImagesPerGroup: > 1 }, Is.True, $"{PointwiseBatch.Plan}: pointwise, images side by side");
        Assert.That(Banded.Plan.RowsPerPanel, Is.LessThan(Banded.Ho), $"{Banded.Plan}: image cut into bands of rows");
        Assert.That(Stride2Large.Plan is { ImagesPerGroup: 1, Stride: 2 }, Is.True, $"{Stride2Large.Plan}: strided, one image per panel");
        Assert.That(OnePixelOutput.Plan.IsFullyConnected, Is.True, $"{OnePixelOutput.Plan}: kernel covers the input");
        Assert.That(OnePixelStrided.Plan is { IsFullyConnected: false, ImagesPerGroup: 5 }, Is.True, $"{OnePixelStrided.Plan}: all images in one panel");
        Assert.That(Cases.Count(k => k.Plan.IsFullyConnected), Is.EqualTo(1), "only one case is a plain matrix product");
        Assert.That(Cases.Count(k => k.Plan.IsDirect), Is.EqualTo(3), "three cases run DirectConv");
        Assert.That(Stride2ShortLastGroup.Plan.Groups * Stride2ShortLastGroup.Plan.ImagesPerGroup, Is.GreaterThan(Stride2ShortLastGroup.N),
            $"{Stride2ShortLastGroup.Plan}: a short last group");
        foreach (var k in Cases)
            Assert.That(k.Plan.IsPadded, Is.EqualTo(k is { Stride: 1, KW: 3 or 5 } && !k.Plan.IsFullyConnected),
                $"{k.Plan}: padded direct for stride-1 3- and 5-wide kernels");
        Assert.That(PaddedShortLastGroup.Plan is { Groups: > 1 } p && p.Groups * p.ImagesPerGroup > PaddedShortLastGroup.N, Is.True,
                $"{PaddedShortLastGroup.Plan}: weight gradient over several groups of images, the last short");
    }

    static readonly Case[] PaddedCases = Cases.Where(k => k.Plan.IsPadded).ToArray();

    /// <summary>
    /// <see cref="PaddedConv"/> at both vector widths, whatever this machine runs natively (a width the hardware
    /// lacks runs in software: slow, but the same arithmetic): forward, the data gradient as the forward of padded gy
    /// through the flipped kernel, and the weight gradient of all the images in one pass.
    /// </summary>
    [Test]
    public void PaddedKernelsMatchNaiveLoopsAtBothWidths([ValueSource(nameof(PaddedCases))] Case k, [Values(8, 16)] int lanes)
    {
        var (forward, data) = PaddedLayouts(k, lanes);
        long scratchFloats = Math.Max(ForwardAndDataScratchFloats(k, forward, data), PaddedConv.WeightScratchFloats(forward, k.O, k.N));
        AssertKernelsMatchNaiveLoops(k, lanes, 40, scratchFloats, ForwardAndDataPackedFloats(k, forward, data), (px, pw, pb, pgy, py, pgx, pgw, scratch, packed) =>
        {
            PaddedForwardAndData(k, forward, data, px, pw, pb, pgy, py, pgx, scratch, packed);
            PaddedConv.BackwardWeight(px, pgy, k.N, forward, k.O, pgw, scratch);
        });
    }

    /// <summary>The staged layouts at a vector width: x's (forward and weight gradient) and gy's (the data gradient).</summary>
    static (PaddedConv.Layout Forward, PaddedConv.Layout Data) PaddedLayouts(Case k, int lanes) =>
        (new PaddedConv.Layout(k.C, k.H, k.W, k.Padding, k.Padding, k.KH, k.KW, lanes),
         new PaddedConv.Layout(k.O, k.Ho, k.Wo, k.KH - 1 - k.Padding, k.KW - 1 - k.Padding, k.KH, k.KW, lanes));

    static long ForwardAndDataScratchFloats(Case k, in PaddedConv.Layout forward, in PaddedConv.Layout data) =>
        Math.Max(PaddedConv.ForwardScratchFloats(forward, k.O), PaddedConv.ForwardScratchFloats(data, k.C));

    static long ForwardAndDataPackedFloats(Case k, in PaddedConv.Layout forward, in PaddedConv.Layout data) =>
        Math.Max(PaddedConv.PackedWeightFloats(k.O, forward), PaddedConv.PackedWeightFloats(k.C, data));

    /// <summary>y and gx of every image by <see cref="PaddedConv"/>: the forward, and the data gradient as the forward of padded gy.</summary>
    static void PaddedForwardAndData(Case k, in PaddedConv.Layout forward, in PaddedConv.Layout data, float* x, float* w, float* b, float* gy,
        float* y, float* gx, float* scratch, float* packed)
    {
        long xPerImage = (long)k.C * k.H * k.W, yPerImage = (long)k.O * k.Ho * k.Wo;
        PaddedConv.PackWeights(w, k.O, forward, false, packed);
        for (int n = 0; n < k.N; n++) PaddedConv.Forward(x + n * xPerImage, forward, packed, k.O, false, b, y + n * yPerImage, scratch);
        PaddedConv.PackWeights(w, k.C, data, true, packed);
        for (int n = 0; n < k.N; n++) PaddedConv.Forward(gy + n * yPerImage, data, packed, k.C, true, null, gx + n * xPerImage, scratch);
    }

    /// <summary>Scratch and a weight buffer, pooled.</summary>
    delegate void BufferRun(float* scratch, float* weights);

    /// <summary>Runs <paramref name="run"/> with pooled buffers of the sizes given, returned after.</summary>
    static void WithPooledBuffers(long scratchFloats, long weightFloats, BufferRun run)
    {
        float* scratch = BufferPool.Rent(scratchFloats, out long scratchCapacity), weights = BufferPool.Rent(weightFloats, out long weightCapacity);
        try
        {
            run(scratch, weights);
        }
        finally
        {
            BufferPool.Return(scratch, scratchCapacity);
            BufferPool.Return(weights, weightCapacity);
        }
    }

    /// <summary>
    /// For one output channel <see cref="PaddedConv"/> adds the same terms in <see cref="DirectConv"/>'s order (the bias
    /// first, then input by input and tap by tap from (0, 0), the data gradient's flipped taps walked backwards; the
    /// padding's taps add exact zeros), so its forward and data gradient are DirectConv's to the bit: moving the
    /// generator's last layer onto it changed no golden value.
    /// </summary>
    [Test]
    public void OneOutputOnPaddedConvIsDirectConvBitForBit([Values(8, 16)] int lanes)
    {
        var k = PaddedOneOutput;
        var g = k.Plan;
        var (forward, data) = PaddedLayouts(k, lanes);
        float[] x = Values(k.XShape, 50), w = Values(k.WShape, 51), b = Values([k.O], 52), gy = Values(k.YShape, 53);
        float[] yPadded = new float[gy.Length], yDirect = new float[gy.Length], gxPadded = new float[x.Length], gxDirect = new float[x.Length];
        long xPerImage = (long)k.C * k.H * k.W, yPerImage = (long)k.O * k.Ho * k.Wo;
        WithPooledBuffers(ForwardAndDataScratchFloats(k, forward, data), ForwardAndDataPackedFloats(k, forward, data), (scratch, packed) =>
        {
            fixed (float* px = x, pw = w, pb = b, pgy = gy, pyp = yPadded, pyd = yDirect, pgxp = gxPadded, pgxd = gxDirect)
            {
                PaddedForwardAndData(k, forward, data, px, pw, pb, pgy, pyp, pgxp, scratch, packed);
                Array.Fill(yDirect, b[0]);
                for (int n = 0; n < k.N; n++)
                {
                    DirectConv.Forward(px + n * xPerImage, pw, g, pyd + n * yPerImage);
                    DirectConv.BackwardData(pgy + n * yPerImage, pw, g, pgxd + n * xPerImage);
                }
            }
        });
        Assert.That(yPadded, Is.EqualTo(yDirect), $"y of {k}, {lanes} lanes");
        Assert.That(gxPadded, Is.EqualTo(gxDirect), $"gx of {k}, {lanes} lanes");
    }

    /// <summary>
    /// Each output of a wide forward tile (16 outputs with the vectors over channels, at 8 lanes) is, bit for bit, what
    /// the tile of the same output alone (vectors over pixels) gives: the two tiles add the same terms in the same order.
    /// </summary>
    [Test]
    public void WideForwardTileGivesEachOutputTheNarrowTilesBits([Values(8, 16)] int lanes)
    {
        var k = PaddedGenerator with { O = 20 };
        var l = new PaddedConv.Layout(k.C, k.H, k.W, k.Padding, k.Padding, k.KH, k.KW, lanes);
        float[] x = Values(k.XShape, 60), w = Values(k.WShape, 61), b = Values([k.O], 62);
        long perOutput = (long)k.C * k.KH * k.KW, plane = (long)k.Ho * k.Wo;
        float[] wide = new float[k.O * plane], narrow = new float[wide.Length];
        long scratchFloats = Math.Max(PaddedConv.ForwardScratchFloats(l, k.O), PaddedConv.ForwardScratchFloats(l, 1));
        long packedFloats = Math.Max(PaddedConv.PackedWeightFloats(k.O, l), PaddedConv.PackedWeightFloats(1, l));
        WithPooledBuffers(scratchFloats, packedFloats, (scratch, packed) =>
        {
            fixed (float* px = x, pw = w, pb = b, pwide = wide, pnarrow = narrow)
            {
                PaddedConv.PackWeights(pw, k.O, l, false, packed);
                PaddedConv.Forward(px, l, packed, k.O, false, pb, pwide, scratch);
                for (int o = 0; o < k.O; o++)
                {
                    PaddedConv.PackWeights(pw + o * perOutput, 1, l, false, packed);
                    PaddedConv.Forward(px, l, packed, 1, false, pb + o, pnarrow + o * plane, scratch);
                }
            }
        });
        Assert.That(new PaddedConv.ForwardTile(l, k.O).ChannelVectors, Is.EqualTo(lanes == 8), "the AVX2 layout runs the channel-vector tile");
        Assert.That(wide, Is.EqualTo(narrow));
    }

    /// <summary>x, w, b, gy in; y, gx, gw out; scratch and the kernel's weight buffer.</summary>
    delegate void KernelRun(float* x, float* w, float* b, float* gy, float* y, float* gx, float* gw, float* scratch, float* weights);

    /// <summary>
    /// One kernel family's three directions on random inputs (seeds <paramref name="seed"/> …+3), with pooled scratch and
    /// weight buffers of the sizes given, checked against the float64 loops.
    /// </summary>
    static void AssertKernelsMatchNaiveLoops(Case k, int lanes, ulong seed, long scratchFloats, long weightFloats, KernelRun run)
    {
        float[] x = Values(k.XShape, seed), w = Values(k.WShape, seed + 1), b = Values([k.O], seed + 2), gy = Values(k.YShape, seed + 3);
        var y = new float[k.N * k.O * k.Ho * k.Wo];
        var gx = new float[x.Length];
        var gw = new float[w.Length];
        WithPooledBuffers(scratchFloats, weightFloats, (scratch, weights) =>
        {
            fixed (float* px = x, pw = w, pb = b, pgy = gy, py = y, pgx = gx, pgw = gw) run(px, pw, pb, pgy, py, pgx, pgw, scratch, weights);
        });
        var (expected, mag) = NaiveForward(k, x, w, b);
        AssertClose(y, expected, mag, $"y of {k}, {lanes} lanes");
        var r = NaiveBackward(k, x, w, gy);
        AssertClose(gx, r.Gx, r.GxMag, $"gx of {k}, {lanes} lanes");
        AssertClose(gw, r.Gw, r.GwMag, $"gw of {k}, {lanes} lanes");
    }

    static bool IsWinograd(Case k) => k.Plan.IsPadded && WinogradConv.Applies(k.Plan.PaddedLayout, k.O);
    static readonly Case[] WinogradCases = Cases.Where(IsWinograd).ToArray();

    [Test]
    public void WinogradRunsTheWideGeneratorShapesAndNoOthers()
    {
        Assert.That(WinogradCases, Is.EquivalentTo(new[]
        {
            WinogradShortLastGroup, WinogradNonSquare, WinogradWide, WinogradWholeVectorOfTiles, WinogradOneTilePerImage, WinogradWidth32,
        }));
        foreach (var k in WinogradCases)
            Assert.That(WinogradConv.Applies(k.Plan.PaddedGradientLayout, k.C), Is.True, $"{k}: its data gradient too");
        var shortGroup = new WinogradConv.Plan(WinogradShortLastGroup.Plan.PaddedLayout, WinogradShortLastGroup.O, WinogradShortLastGroup.N);
        Assert.That(shortGroup.Groups(WinogradShortLastGroup.N) * shortGroup.ImagesPerGroup, Is.GreaterThan(WinogradShortLastGroup.N), "a short last group");
    }

    [Test]
    public void WithoutWinogradTheDirectKernelsRun()
    {
        var k = WinogradWide;
        using var x = Random(k.XShape, 60, false);
        using var w = Random(k.WShape, 61, false);
        float[] Forward()
        {
            using var y = Conv2d(x, w, null, k.Stride, k.Padding);
            return y.ToArray();
        }
        var winograd = Forward();
        CpuBackend.AllowWinograd = false;
        float[] direct;
        try
        {
            Assert.That(WinogradConv.Applies(k.Plan.PaddedLayout, k.O), Is.False);
            direct = Forward();
        }
        finally
        {
            CpuBackend.AllowWinograd = true;
        }
        Assert.That(direct, Is.Not.EqualTo(winograd), "another summation, so other roundings");
        var (expected, mag) = NaiveForward(k, x.ToArray(), w.ToArray(), null);
        AssertClose(direct, expected, mag, "direct y");
        AssertClose(winograd, expected, mag, "Winograd y");
    }

    /// <summary>
    /// <see cref="WinogradConv"/> at both vector widths (8 and 16 floats: tile rows of 2, 3, 4 and 8 tiles fill a
    /// vector partly or wholly), group by group as the backend runs it: forward, data gradient (the forward on gy
    /// through the flipped kernel) and weight gradient, against the float64 loops.
    /// </summary>
    [Test]
    public void WinogradKernelsMatchNaiveLoopsAtBothWidths([ValueSource(nameof(WinogradCases))] Case k, [Values(8, 16)] int lanes)
    {
        var forward = new WinogradConv.Plan(new PaddedConv.Layout(k.C, k.H, k.W, 1, 1, 3, 3, lanes), k.O, k.N);
        var data = new WinogradConv.Plan(new PaddedConv.Layout(k.O, k.Ho, k.Wo, 1, 1, 3, 3, lanes), k.C, k.N);
        long scratchFloats = Math.Max(Math.Max(forward.ScratchFloats, data.ScratchFloats), forward.GradientScratchFloats);
        long weightFloats = Math.Max(Math.Max(forward.TransformedWeightFloats, data.TransformedWeightFloats), forward.TransformedGradientFloats);
        AssertKernelsMatchNaiveLoops(k, lanes, 50, scratchFloats, weightFloats, (px, pw, pb, pgy, py, pgx, pgw, scratch, u) =>
        {
            long xPerImage = (long)k.C * k.H * k.W, yPerImage = (long)k.O * k.Ho * k.Wo;
            WinogradConv.TransformWeights(pw, forward, false, u);
            for (int n0 = 0; n0 < k.N; n0 += forward.ImagesPerGroup)
                WinogradConv.Forward(px + n0 * xPerImage, xPerImage, Math.Min(forward.ImagesPerGroup, k.N - n0), forward, u, pb, py + n0 * yPerImage, yPerImage, scratch);
            WinogradConv.TransformWeights(pw, data, true, u);
            for (int n0 = 0; n0 < k.N; n0 += data.ImagesPerGroup)
                WinogradConv.Forward(pgy + n0 * yPerImage, yPerImage, Math.Min(data.ImagesPerGroup, k.N - n0), data, u, null, pgx + n0 * xPerImage, xPerImage, scratch);
            for (int n0 = 0; n0 < k.N; n0 += forward.ImagesPerGroup)
                WinogradConv.AccumulateWeightGradient(px + n0 * xPerImage, xPerImage, pgy + n0 * yPerImage, yPerImage,
                    Math.Min(forward.ImagesPerGroup, k.N - n0), forward, u, n0 == 0, scratch);
            WinogradConv.WeightGradient(u, forward, pgw);
        });
    }

    [Test]
    public void OnlyInputsThatRequireGradGetGradients()
    {
        var k = Pad1Batch5NonSquare;
        using var x = Random(k.XShape, 10, false);
        using var w = Random(k.WShape, 11, true);
        using var b = Random([k.O], 12, false);
        using var gy = Random(k.YShape, 13, false);
        using (var y = Conv2d(x, w, b, k.Stride, k.Padding)) y.Backward(gy);
        Assert.That(x.Grad, Is.Null);
        Assert.That(b.Grad, Is.Null);
        var r = NaiveBackward(k, x.ToArray(), w.ToArray(), gy.ToArray());
        AssertClose(w.Grad!.ToArray(), r.Gw, r.GwMag, "gw");
    }

    // ---------------------------------------------------------------- finite differences

    [Test]
    public void GradCheckPad1()
    {
        using var x = GradCheck.Input([2, 3, 5, 6], 20);
        using var w = GradCheck.Input([5, 3, 3, 3], 21);
        using var b = GradCheck.Input([5], 22);
        GradCheck.Check(i => Conv2d(i[0], i[1], i[2], 1, 1), [x, w, b]);
    }

    [Test]
    public void GradCheckStride2Kernel5()
    {
        using var x = GradCheck.Input([2, 2, 9, 8], 23);
        using var w = GradCheck.Input([6, 2, 5, 5], 24);
        using var b = GradCheck.Input([6], 25);
        GradCheck.Check(i => Conv2d(i[0], i[1], i[2], 2, 1), [x, w, b]);
    }

    [Test]
    public void GradCheckDirect()
    {
        using var x = GradCheck.Input([2, 3, 6, 5], 26);
        using var w = GradCheck.Input([2, 3, 3, 3], 27);
        using var b = GradCheck.Input([2], 28);
        GradCheck.Check(i => Conv2d(i[0], i[1], i[2], 1, 1), [x, w, b]);
    }

    // ---------------------------------------------------------------- determinism

    [TestCase(40, 8, 8)]
    [TestCase(40, 8, 2)]
    [TestCase(20, 40, 40)] // Winograd
    public void WeightGradientIsBitwiseReproducible(int images, int inputs, int outputs)
    {
        var k = new Case(images, inputs, 32, 32, outputs, 3, 3, 1, 1);
        int groups = IsWinograd(k) ? new WinogradConv.Plan(k.Plan.PaddedLayout, k.O, k.N).Groups(k.N) : k.Plan.Groups;
        Assert.That(groups, Is.GreaterThan(16), "more image groups than partial gradients, so blocks hold several");
        using var x = Random(k.XShape, 30, false);
        using var gy = Random(k.YShape, 31, false);
        float[] Run()
        {
            using var gw = Tensor.Empty(k.WShape);
            Backend.Cpu.Conv2dBackwardWeight(x, gy, gw, k.Stride, k.Padding);
            return gw.ToArray();
        }
        // Parallel.For schedules on the current scheduler: one that runs one task at a time runs the blocks one by one.
        float[] RunOnOneThread()
        {
            var oneAtATime = new ConcurrentExclusiveSchedulerPair(TaskScheduler.Default, 1).ConcurrentScheduler;
            return Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.None, oneAtATime).Result;
        }
        var first = Run();
        for (int repeat = 0; repeat < 3; repeat++)
            Assert.That(Run().Select(BitConverter.SingleToInt32Bits), Is.EqualTo(first.Select(BitConverter.SingleToInt32Bits)));
        Assert.That(RunOnOneThread().Select(BitConverter.SingleToInt32Bits), Is.EqualTo(first.Select(BitConverter.SingleToInt32Bits)), "one thread");
        var r = NaiveBackward(k, x.ToArray(), new float[k.O * k.C * k.KH * k.KW], gy.ToArray());
        AssertClose(first, r.Gw, r.GwMag, "gw");
    }

    // ---------------------------------------------------------------- errors

    static void AssertConvError(int[] xShape, int[] wShape, int[]? bShape, int stride, int padding, string fragment)
    {
        using var x = Tensor.Zeros(xShape);
        using var w = Tensor.Zeros(wShape);
        using var b = bShape == null ? null : Tensor.Zeros(bShape);
        var e = Assert.Throws<ArgumentException>(() => Conv2d(x, w, b, stride, padding).Dispose())!;
        Assert.That(e.Message, Does.StartWith("conv2d:").And.Contain(fragment)
            .And.Contain(Tensor.ShapeString(xShape)).And.Contain(Tensor.ShapeString(wShape)));
        if (bShape != null) Assert.That(e.Message, Does.Contain(Tensor.ShapeString(bShape)));
    }

    [Test]
    public void RankOtherThanFourIsRejected()
    {
        AssertConvError([3, 8, 8], [4, 3, 3, 3], null, 1, 0, "4-D");
        AssertConvError([2, 3, 8, 8], [4, 3, 3], null, 1, 0, "4-D");
    }

    [Test]
    public void ChannelMismatchIsRejected() => AssertConvError([2, 3, 8, 8], [4, 2, 3, 3], [4], 1, 1, "3 channels");

    [Test]
    public void KernelLargerThanPaddedInputIsRejected() => AssertConvError([1, 1, 4, 9], [2, 1, 5, 5], null, 1, 0, "larger than the padded input 4×9");

    [Test]
    public void BiasOfWrongLengthIsRejected() => AssertConvError([1, 3, 8, 8], [4, 3, 3, 3], [3], 1, 1, "bias must be 1-D with 4");

    [Test]
    public void NonPositiveStrideIsRejected() => AssertConvError([1, 3, 8, 8], [4, 3, 3, 3], null, 0, 1, "stride");
}
