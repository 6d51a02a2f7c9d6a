namespace DafL.Data;

/// <summary>
/// A dataset as stored on disk: uint8 pixels laid out (N, C, H, W) and one uint8 class label per image.
/// Preprocessing (resize, normalisation, augmentation) turns it into an <see cref="IImageDataset"/>.
/// </summary>
public sealed class ImageSet
{
    public string Name { get; }
    public int Count { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int ClassCount { get; }
    /// <summary>(N, C, H, W) row-major.</summary>
    public byte[] Pixels { get; }
    /// <summary>(N), each below <see cref="ClassCount"/>.</summary>
    public byte[] Labels { get; }

    public int ImageSize => Channels * Height * Width;

    public ImageSet(string name, int channels, int height, int width, int classCount, byte[] pixels, byte[] labels)
    {
        if (channels <= 0 || height <= 0 || width <= 0 || classCount <= 0)
            throw new ArgumentException($"ImageSet '{name}': channels {channels}, height {height}, width {width} and class count {classCount} must be positive.");
        long imageSize = (long)channels * height * width;
        if (pixels.LongLength != labels.LongLength * imageSize)
            throw new ArgumentException($"ImageSet '{name}': {pixels.LongLength} pixel bytes do not hold {labels.LongLength} images of {channels}×{height}×{width}.");
        Name = name;
        Count = labels.Length;
        Channels = channels;
        Height = height;
        Width = width;
        ClassCount = classCount;
        Pixels = pixels;
        Labels = labels;
    }

    /// <summary>Image <paramref name="index"/>, (C, H, W).</summary>
    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * ImageSize, ImageSize);
}
