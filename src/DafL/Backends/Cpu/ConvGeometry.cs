namespace DafL.Backends.Cpu;

/// <summary>
/// The sizes of one 2-D convolution and how the CPU kernels cut it into matrix products.
/// Per image the convolution is y (O, P) = w (O, K) · col (K, P), where K = C·kH·kW input taps per output pixel,
/// P = Ho·Wo output pixels and col is the im2col matrix. A panel is the block of columns one GEMM call handles:
/// <list type="bullet">
/// <item>an image with many output pixels (P ≥ <see cref="TargetColumns"/>) alone, cut into bands of
/// <see cref="RowsPerPanel"/> output rows so that the band's im2col slice (≤ <see cref="ColumnBudget"/> floats)
/// stays in cache between im2col and the GEMM's packing;</item>
/// <item>small images <see cref="ImagesPerGroup"/> at a time, side by side as col (K, nb·P), so that the GEMM is wide
/// enough to run at speed (LeNet's last layer has P = 1); their rows of y or gy are scattered or gathered through an
/// (O, nb·P) block.</item>
/// </list>
/// A kernel as large as the input is a plain matrix product over the batch (<see cref="IsFullyConnected"/>).
/// Stride-1 3×3 and 5×5 layers run the register-blocked <see cref="PaddedConv"/> (<see cref="IsPadded"/>), where
/// <see cref="ImagesPerGroup"/> is the images one weight-gradient pass stages together, or, for padding 1 with enough
/// channels (<see cref="WinogradConv.Applies"/>), Winograd F(4×4, 3×3). Other layers with at most
/// <see cref="DirectMaxOutputs"/> output channels skip all this and run <see cref="DirectConv"/> image by image.
/// The plan depends on the shapes only, never on the number of threads, so results are the same on every machine.
/// </summary>
internal readonly unsafe struct ConvGeometry
{
    /// <summary>GEMM width (output pixels per panel) that keeps the micro-kernel busy.</summary>
    const int TargetColumns = 256;
    /// <summary>Floats in one panel's im2col slice: 512 KiB, half of a Zen 4/5 core's L2.</summary>
    const long ColumnBudget = 1 << 17;
    /// <summary>Up to this many output channels, <see cref="DirectConv"/> beats im2col + GEMM.</summary>
    const int DirectMaxOutputs = 4;
    /// <summary>
    /// Output pixels (of the staged run) a <see cref="PaddedConv"/> weight-gradient pass covers at least, so that
    /// the one sum per accumulator at its end costs little next to the products.
    /// </summary>
    const int WeightGradientRun = 2048;

    public int N { get; }
    public int C { get; }
    public int H { get; }
    public int W { get; }
    public int O { get; }
    public int KH { get; }
    public int KW { get; }
    public int Stride { get; }
    public int Padding { get; }
    public int Ho { get; }
    public int Wo { get; }
    /// <summary>Images side by side in one panel (1: the image's own rows of y and gy are used in place).</summary>
    public int ImagesPerGroup { get; }
    /// <summary>Output rows per panel when <see cref="ImagesPerGroup"/> is 1; all of Ho otherwise.</summary>
    public int RowsPerPanel { get; }

    /// <param name="input">x or gx shape (N, C, H, W).</param>
    /// <param name="weight">(O, C, kH, kW).</param>
    public ConvGeometry(int[] input, int[] weight, int stride, int padding)
    {
        N = input[0]; C = input[1]; H = input[2]; W = input[3];
        O = weight[0]; KH = weight[2]; KW = weight[3];
        Stride = stride; Padding = padding;
        Ho = (H + 2 * padding - KH) / stride + 1;
        Wo = (W + 2 * padding - KW) / stride + 1;

        if (IsFullyConnected)
        {
            ImagesPerGroup = Math.Max(N, 1);
            RowsPerPanel = 1;
        }
        else if (IsDirect)
        {
            ImagesPerGroup = 1;
            RowsPerPanel = Ho;
        }
        else if (IsPadded)
        {
            var l = PaddedLayout;
            long byBudget = Math.Max(1, ColumnBudget / ((long)C * l.Plane));
            ImagesPerGroup = (int)Math.Clamp(Math.Min((WeightGradientRun + l.VectorRun - 1) / l.VectorRun, byBudget), 1, Math.Max(N, 1));
            RowsPerPanel = Ho;
        }
        else if (P >= TargetColumns)
        {
            ImagesPerGroup = 1;
            // A 1×1 stride-1 convolution reads x in place: there is no im2col slice to keep small.
            RowsPerPanel = IsPointwise ? Ho : (int)Math.Clamp(ColumnBudget / Math.Max(1L, (long)K * Wo), 1, Ho);
        }
        else
        {
            long byBudget = Math.Max(1, ColumnBudget / Math.Max(1L, (long)K * P));
            ImagesPerGroup = (int)Math.Clamp(Math.Min(TargetColumns / P, byBudget), 1, Math.Max(N, 1));
            RowsPerPanel = Ho;
        }
    }

    /// <summary>Input taps per output pixel: the GEMM's inner dimension.</summary>
    public int K => C * KH * KW;
    /// <summary>Output pixels per image.</summary>
    public int P => Ho * Wo;
    /// <summary>Input elements per image.</summary>
    public long InputPerImage => (long)C * H * W;
    /// <summary>Output elements per image.</summary>
    public long OutputPerImage => (long)O * P;
    /// <summary>
    /// The kernel covers the whole unpadded input (LeNet-5's last convolution, 5×5 on 5×5): one output pixel per image,
    /// so the convolution is a matrix product over the batch, y (N, O) = x (N, K) · wᵀ, with no im2col at all.
    /// </summary>
    public bool IsFullyConnected => KH == H && KW == W && Padding == 0;
    /// <summary>Few output channels: each image is convolved directly (<see cref="DirectConv"/>), without im2col.</summary>
    public bool IsDirect => !IsFullyConnected && !IsPadded && O <= DirectMaxOutputs;
    /// <summary>
    /// Stride 1, a 3- or 5-wide kernel, padding below the kernel size (so that the data gradient is a convolution
    /// of gy padded by k − 1 − p): <see cref="PaddedConv"/>.
    /// </summary>
    public bool IsPadded => !IsFullyConnected && Stride == 1 && KW is (3 or 5) && Padding < KH && Padding < KW;
    /// <summary>The staged image of x (forward and weight gradient) for <see cref="PaddedConv"/>.</summary>
    public PaddedConv.Layout PaddedLayout => UpsampledLayout(1);
    /// <summary><see cref="PaddedLayout"/> staged from a source (C, H/upsample, W/upsample) upsampled by nearest neighbour.</summary>
    public PaddedConv.Layout UpsampledLayout(int upsample) => new(C, H, W, Padding, Padding, KH, KW, PaddedConv.NativeLanes, upsample);
    /// <summary>The staged image of gy for the data gradient: padded by k − 1 − p, so that its convolution is gx's size.</summary>
    public PaddedConv.Layout PaddedGradientLayout => new(O, Ho, Wo, KH - 1 - Padding, KW - 1 - Padding, KH, KW, PaddedConv.NativeLanes);
    /// <summary>1×1, stride 1, no padding: x itself is the column matrix.</summary>
    public bool IsPointwise => KH == 1 && KW == 1 && Stride == 1 && Padding == 0;
    /// <summary>Groups of <see cref="ImagesPerGroup"/> images (the last may be short).</summary>
    public int Groups => (N + ImagesPerGroup - 1) / ImagesPerGroup;
    /// <summary>Columns of the widest panel.</summary>
    public int PanelColumns => ImagesPerGroup == 1 ? RowsPerPanel * Wo : ImagesPerGroup * P;
    /// <summary>Floats of the im2col slice of one panel (none when x is read in place or convolved directly).</summary>
    public long ColumnFloats => IsFullyConnected || IsDirect || IsPadded || (IsPointwise && ImagesPerGroup == 1) ? 0 : (long)K * PanelColumns;
    /// <summary>Floats of the (O, nb·P) block that gathers several images' rows of y or gy (none for one image).</summary>
    public long BlockFloats => IsFullyConnected || IsPadded || ImagesPerGroup == 1 ? 0 : (long)O * PanelColumns;

    /// <summary>
    /// Where each kernel tap reads inside the image rather than the padding: for kernel row ki, the output rows
    /// [rows[2·ki], rows[2·ki + 1]) of the band [oh0, oh1) whose input row oh·s − p + ki is inside; for kernel column
    /// kj, the output columns [cols[2·kj], cols[2·kj + 1]) whose input column ow·s − p + kj is inside. A range is
    /// empty (lo = hi) when no position is. Worked out once per call: the loops over taps would otherwise divide.
    /// </summary>
    /// <param name="rows">2·KH ints.</param>
    /// <param name="cols">2·KW ints.</param>
    public void ValidTaps(int oh0, int oh1, int* rows, int* cols)
    {
        for (int ki = 0; ki < KH; ki++)
        {
            ValidRange(H, Ho, ki, out int lo, out int hi);
            rows[2 * ki] = Math.Clamp(lo, oh0, oh1);
            rows[2 * ki + 1] = Math.Clamp(hi, rows[2 * ki], oh1);
        }
        for (int kj = 0; kj < KW; kj++) ValidRange(W, Wo, kj, out cols[2 * kj], out cols[2 * kj + 1]);
    }

    void ValidRange(int size, int outSize, int tap, out int lo, out int hi)
    {
        // 0 ≤ o·s − p + tap ≤ size − 1  ⇔  ceil((p − tap) / s) ≤ o ≤ floor((size − 1 + p − tap) / s)
        lo = Math.Clamp(CeilDiv(Padding - tap, Stride), 0, outSize);
        hi = Math.Clamp(FloorDiv(size - 1 + Padding - tap, Stride) + 1, lo, outSize);
    }

    static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);

    static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    public override string ToString() =>
        $"conv N={N} C={C} {H}×{W} → O={O} {Ho}×{Wo}, kernel {KH}×{KW}, stride {Stride}, padding {Padding}; " +
        (IsPadded ? $"padded direct, {ImagesPerGroup} image(s) per weight-gradient pass" : $"{ImagesPerGroup} image(s) × {RowsPerPanel} row(s) per panel");
}
