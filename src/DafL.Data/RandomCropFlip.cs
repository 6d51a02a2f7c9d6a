namespace DafL.Data;

/// <summary>
/// torchvision's <c>RandomCrop(size, padding)</c> then <c>RandomHorizontalFlip(0.5)</c> on a (C, H, W) byte image,
/// fused with normalisation: the image is zero-padded by <see cref="Padding"/> on every side (the padding is a raw 0,
/// so it becomes 0's normalised value), an H×W window at a uniform offset in [0, 2·padding] is cut out, and it is
/// mirrored left-right with probability ½. Words used: 0 = top offset, 1 = left offset, 2 = flip (its top bit).
/// </summary>
public sealed class RandomCropFlip
{
    public const int WordsPerSample = 3;

    public int Padding { get; }

    public RandomCropFlip(int padding = 4)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        Padding = padding;
    }

    /// <summary>The crop offsets (0 … 2·padding) and flip this sample's words choose.</summary>
    public (int Top, int Left, bool Flip) Draw(SampleRandom random) =>
        (random.Below(0, 2 * Padding + 1), random.Below(1, 2 * Padding + 1), (random.Word(2) >> 31) != 0);

    /// <summary>Writes the augmented, normalised image (C, H, W) into <paramref name="destination"/>.</summary>
    public void Apply(ReadOnlySpan<byte> image, int channels, int height, int width, Normalization normalization,
        SampleRandom random, Span<float> destination)
    {
        var (top, left, flip) = Draw(random);
        int plane = height * width;
        for (int c = 0; c < channels; c++)
        {
            var table = normalization.Table(c);
            float padValue = table[0];
            var src = image.Slice(c * plane, plane);
            var dst = destination.Slice(c * plane, plane);
            for (int y = 0; y < height; y++)
            {
                var outRow = dst.Slice(y * width, width);
                int sy = y + top - Padding;
                if (sy < 0 || sy >= height)
                {
                    outRow.Fill(padValue);
                    continue;
                }
                var inRow = src.Slice(sy * width, width);
                for (int x = 0; x < width; x++)
                {
                    int sx = (flip ? width - 1 - x : x) + left - Padding;
                    outRow[x] = sx >= 0 && sx < width ? table[inRow[sx]] : padValue;
                }
            }
        }
    }
}
