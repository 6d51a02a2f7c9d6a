namespace DafL.Data;

/// <summary>
/// Pillow's bilinear resize of an 8-bit single-channel ('L') image, bit for bit — what torchvision's
/// <c>Resize((32, 32))</c> does to an MNIST digit (it calls <c>PIL.Image.resize(size, BILINEAR)</c>).
/// Pillow (libImaging/Resample.c) resamples separably, horizontal pass first, each output pixel a weighted sum of
/// the input pixels within the filter support around its centre <c>(x + 0.5)·scale</c>; the weights, computed in
/// double and normalised to sum 1, are turned into 22-bit fixed point, and each pass rounds back to uint8
/// (adding half, shifting, clamping to 0–255) before the next one reads it.
/// </summary>
public sealed class PilBilinearResize
{
    /// <summary>Pillow's fixed-point precision for 8-bit images: 32 − 8 − 2 bits.</summary>
    const int PrecisionBits = 22;

    /// <summary>The taps of one pass: output pixel o reads <c>Count[o]</c> inputs from <c>First[o]</c> with weights <c>Weights[o·Taps …]</c>.</summary>
    sealed class Pass
    {
        public required int Taps { get; init; }
        public required int[] First { get; init; }
        public required int[] Count { get; init; }
        public required int[] Weights { get; init; }
    }

    readonly Pass _horizontal, _vertical;

    public int InHeight { get; }
    public int InWidth { get; }
    public int OutHeight { get; }
    public int OutWidth { get; }

    public PilBilinearResize(int inHeight, int inWidth, int outHeight, int outWidth)
    {
        if (inHeight <= 0 || inWidth <= 0 || outHeight <= 0 || outWidth <= 0)
            throw new ArgumentException($"PilBilinearResize: sizes must be positive, got {inHeight}×{inWidth} → {outHeight}×{outWidth}.");
        (InHeight, InWidth, OutHeight, OutWidth) = (inHeight, inWidth, outHeight, outWidth);
        _horizontal = Precompute(inWidth, outWidth);
        _vertical = Precompute(inHeight, outHeight);
    }

    /// <summary>Resizes one (InHeight, InWidth) image into (OutHeight, OutWidth).</summary>
    public void Apply(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.Length != InHeight * InWidth || destination.Length != OutHeight * OutWidth)
            throw new ArgumentException($"PilBilinearResize: source of {source.Length} bytes and destination of {destination.Length} bytes for {InHeight}×{InWidth} → {OutHeight}×{OutWidth}.");
        // (InHeight, OutWidth): the horizontal pass, already rounded to bytes as Pillow's intermediate image is.
        int tempLength = InHeight * OutWidth;
        Span<byte> temp = tempLength <= 4096 ? stackalloc byte[tempLength] : new byte[tempLength];
        var h = _horizontal;
        for (int y = 0; y < InHeight; y++)
        {
            var row = source.Slice(y * InWidth, InWidth);
            for (int x = 0; x < OutWidth; x++)
            {
                var taps = row.Slice(h.First[x], h.Count[x]);
                var weights = h.Weights.AsSpan(x * h.Taps, taps.Length);
                int sum = 1 << (PrecisionBits - 1);
                for (int k = 0; k < taps.Length; k++) sum += taps[k] * weights[k];
                temp[y * OutWidth + x] = Clip8(sum);
            }
        }
        // The vertical pass accumulates whole rows: output row y is a weighted sum of a few rows of temp.
        var v = _vertical;
        Span<int> sums = OutWidth <= 1024 ? stackalloc int[OutWidth] : new int[OutWidth];
        for (int y = 0; y < OutHeight; y++)
        {
            sums.Fill(1 << (PrecisionBits - 1));
            for (int k = 0; k < v.Count[y]; k++)
            {
                int weight = v.Weights[y * v.Taps + k];
                var tempRow = temp.Slice((v.First[y] + k) * OutWidth, OutWidth);
                for (int x = 0; x < OutWidth; x++) sums[x] += tempRow[x] * weight;
            }
            var outRow = destination.Slice(y * OutWidth, OutWidth);
            for (int x = 0; x < OutWidth; x++) outRow[x] = Clip8(sums[x]);
        }
    }

    static byte Clip8(int sum)
    {
        if (sum >= 255 << PrecisionBits) return 255;
        if (sum <= 0) return 0;
        return (byte)(sum >> PrecisionBits);
    }

    /// <summary>Pillow's <c>precompute_coeffs</c> with the bilinear (triangle) filter, then <c>normalize_coeffs_8bpc</c>.</summary>
    static Pass Precompute(int inSize, int outSize)
    {
        const double filterSupport = 1.0;
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0); // downscaling widens the filter; upscaling keeps it at one input pixel
        double support = filterSupport * filterScale;
        int taps = (int)Math.Ceiling(support) * 2 + 1;
        var first = new int[outSize];
        var count = new int[outSize];
        var weights = new int[outSize * taps];
        var w = new double[taps];
        for (int o = 0; o < outSize; o++)
        {
            double center = (o + 0.5) * scale;
            double inverse = 1.0 / filterScale;
            // Pillow rounds the support bounds with (int)(v + 0.5), which truncates toward zero.
            int xmin = Math.Max((int)(center - support + 0.5), 0);
            int xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            double total = 0;
            for (int k = 0; k < xmax; k++)
            {
                w[k] = Triangle((k + xmin - center + 0.5) * inverse);
                total += w[k];
            }
            for (int k = 0; k < xmax; k++)
            {
                double normalised = total != 0 ? w[k] / total : w[k];
                weights[o * taps + k] = normalised < 0
                    ? (int)(-0.5 + normalised * (1 << PrecisionBits))
                    : (int)(0.5 + normalised * (1 << PrecisionBits));
            }
            first[o] = xmin;
            count[o] = xmax;
        }
        return new Pass { Taps = taps, First = first, Count = count, Weights = weights };
    }

    static double Triangle(double x)
    {
        x = Math.Abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }
}
