namespace DafL.Data;

/// <summary>
/// Byte images normalised as each sample is written, optionally through a random crop and flip (CIFAR): the bytes
/// are four times smaller than floats, and a table lookup per pixel costs about what a copy would.
/// </summary>
public sealed class NormalizingImageDataset : IImageDataset
{
    readonly ImageSet _images;

    public Normalization Normalization { get; }
    /// <summary>Training augmentation, or null for the test pipeline.</summary>
    public RandomCropFlip? Augmentation { get; }

    public string Name => _images.Name;
    public int Count => _images.Count;
    public int Channels => _images.Channels;
    public int Height => _images.Height;
    public int Width => _images.Width;
    public int ClassCount => _images.ClassCount;
    public int RandomWordsPerSample => Augmentation == null ? 0 : RandomCropFlip.WordsPerSample;

    public NormalizingImageDataset(ImageSet images, Normalization normalization, RandomCropFlip? augmentation = null)
    {
        if (normalization.Channels != images.Channels)
            throw new ArgumentException($"NormalizingImageDataset '{images.Name}': {images.Channels} channel images with a {normalization.Channels} channel normalisation.");
        _images = images;
        Normalization = normalization;
        Augmentation = augmentation;
    }

    public byte Label(int index) => _images.Labels[index];

    public void WriteSample(int index, SampleRandom random, Span<float> destination)
    {
        var image = _images.Image(index);
        if (Augmentation == null) Normalization.Apply(image, destination);
        else Augmentation.Apply(image, Channels, Height, Width, Normalization, random, destination);
    }
}
