
namespace DafL.Data;

/// <summary>
/// The official DAFL input pipelines (dafl-facts §2.7). MNIST: <c>Resize((32, 32))</c>, <c>ToTensor()</c>,
/// <c>Normalize((0.1307,), (0.3081,))</c>, no augmentation. CIFAR-10/100: <c>ToTensor()</c>, <c>Normalize</c> with
/// the CIFAR-10 constants, and for teacher training first <c>RandomCrop(32, padding=4)</c> and <c>RandomHorizontalFlip()</c>.
/// </summary>
public static class DaflPreprocessing
{
    public const int ImageSide = 32;

    /// <summary>MNIST or Fashion-MNIST resized to 32×32 and normalised once, (N, 1, 32, 32).</summary>
    public static NormalizedImageDataset Mnist(ImageSet raw, MnistVariant variant = MnistVariant.Mnist) =>
        ResizeAndNormalize(raw, variant == MnistVariant.Mnist ? Normalization.Mnist : Normalization.FashionMnist, ImageSide);

    /// <summary>CIFAR training pipeline: random crop with 4 pixels of zero padding, random flip, normalisation.</summary>
    public static NormalizingImageDataset CifarTrain(ImageSet raw) => new(raw, Normalization.Cifar, new RandomCropFlip(padding: 4));

    /// <summary>CIFAR test pipeline: normalisation only.</summary>
    public static NormalizingImageDataset CifarTest(ImageSet raw) => new(raw, Normalization.Cifar);

    /// <summary>Every channel plane resized (Pillow bilinear) to <paramref name="side"/>×<paramref name="side"/>, then normalised.</summary>
    public static NormalizedImageDataset ResizeAndNormalize(ImageSet raw, Normalization normalization, int side)
    {
        if (normalization.Channels != raw.Channels)
            throw new ArgumentException($"ResizeAndNormalize: '{raw.Name}' has {raw.Channels} channels, the normalisation {normalization.Channels}.");
        var resize = new PilBilinearResize(raw.Height, raw.Width, side, side);
        int inPlane = raw.Height * raw.Width, outPlane = side * side, outImage = raw.Channels * outPlane;
        var images = new float[(long)raw.Count * outImage];
        Parallelism.ForRanges(raw.Count, 256, (from, to) =>
        {
            var resized = new byte[outImage];
            for (long n = from; n < to; n++)
            {
                var image = raw.Image((int)n);
                for (int c = 0; c < raw.Channels; c++)
                    resize.Apply(image.Slice(c * inPlane, inPlane), resized.AsSpan(c * outPlane, outPlane));
                normalization.Apply(resized, images.AsSpan((int)n * outImage, outImage));
            }
        });
        return new NormalizedImageDataset(raw.Name, raw.Channels, side, side, raw.ClassCount, images, raw.Labels);
    }
}
