namespace DafL.Data;

/// <summary>
/// torchvision's <c>ToTensor()</c> then <c>Normalize(mean, std)</c> for uint8 pixels, in float32 exactly as torch does
/// it: x = (b / 255 − mean) / std, each operation rounded to float32. A byte has only 256 values, so each channel
/// keeps a 256-entry table and normalising an image is one lookup per pixel.
/// </summary>
public sealed class Normalization
{
    /// <summary>DAFL's MNIST constants (<c>Normalize((0.1307,), (0.3081,))</c>).</summary>
    public static Normalization Mnist { get; } = new([0.1307f], [0.3081f]);

    /// <summary>
    /// Fashion-MNIST's own training-set statistics: mean 0.28604 and standard deviation 0.35302 of b/255 over all
    /// 60 000 images (computed here; the same computation gives 0.13066 and 0.30811 for MNIST). DAFL has no
    /// Fashion-MNIST setting, so these play the part its MNIST constants play for MNIST.
    /// </summary>
    public static Normalization FashionMnist { get; } = new([0.2860f], [0.3530f]);

    /// <summary>DAFL's CIFAR constants, used for CIFAR-10 and CIFAR-100 alike.</summary>
    public static Normalization Cifar { get; } = new([0.4914f, 0.4822f, 0.4465f], [0.2023f, 0.1994f, 0.2010f]);

    readonly float[][] _tables;

    public IReadOnlyList<float> Mean { get; }
    public IReadOnlyList<float> Std { get; }
    public int Channels => Mean.Count;

    public Normalization(float[] mean, float[] std)
    {
        if (mean.Length == 0 || mean.Length != std.Length)
            throw new ArgumentException($"Normalization: {mean.Length} means and {std.Length} standard deviations; need one of each per channel.");
        if (std.Any(s => !(s > 0)))
            throw new ArgumentException($"Normalization: standard deviations must be positive, got [{string.Join(", ", std)}].");
        Mean = (float[])mean.Clone();
        Std = (float[])std.Clone();
        _tables = new float[mean.Length][];
        for (int c = 0; c < mean.Length; c++)
        {
            _tables[c] = new float[256];
            for (int b = 0; b < 256; b++) _tables[c][b] = (b / 255f - mean[c]) / std[c];
        }
    }

    /// <summary>The normalised value of every byte 0–255 in channel <paramref name="channel"/>.</summary>
    public ReadOnlySpan<float> Table(int channel) => _tables[channel];

    /// <summary>Normalises one (C, H, W) image of this normalisation's channel count.</summary>
    public void Apply(ReadOnlySpan<byte> image, Span<float> destination)
    {
        int plane = image.Length / Channels;
        for (int c = 0; c < Channels; c++)
        {
            var table = _tables[c];
            var src = image.Slice(c * plane, plane);
            var dst = destination.Slice(c * plane, plane);
            for (int i = 0; i < src.Length; i++) dst[i] = table[src[i]];
        }
    }
}
