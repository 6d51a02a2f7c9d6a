namespace DafL.Data;

/// <summary>
/// Images preprocessed once into float32 (N, C, H, W) — MNIST after resize and normalisation — so that an epoch
/// costs only copies.
/// </summary>
public sealed class NormalizedImageDataset : IImageDataset
{
    readonly float[] _images;
    readonly byte[] _labels;

    public string Name { get; }
    public int Count { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int ClassCount { get; }
    public int RandomWordsPerSample => 0;
    public int ImageSize => Channels * Height * Width;

    public NormalizedImageDataset(string name, int channels, int height, int width, int classCount, float[] images, byte[] labels)
    {
        if (images.LongLength != labels.LongLength * channels * height * width)
            throw new ArgumentException($"NormalizedImageDataset '{name}': {images.LongLength} floats do not hold {labels.Length} images of {channels}×{height}×{width}.");
        (Name, Channels, Height, Width, ClassCount) = (name, channels, height, width, classCount);
        Count = labels.Length;
        _images = images;
        _labels = labels;
    }

    /// <summary>Image <paramref name="index"/>, (C, H, W).</summary>
    public ReadOnlySpan<float> Image(int index) => _images.AsSpan(index * ImageSize, ImageSize);

    public byte Label(int index) => _labels[index];

    public void WriteSample(int index, SampleRandom random, Span<float> destination) => Image(index).CopyTo(destination);
}
