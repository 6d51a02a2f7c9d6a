namespace DafL.Data;

/// <summary>
/// Loads MNIST or Fashion-MNIST from a folder holding the four original IDX files
/// (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte), each raw or .gz.
/// </summary>
public static class MnistDataset
{
    public const int Rows = 28, Columns = 28, Classes = 10;

    /// <summary>Where <c>dotnet pwsh build.ps1 data</c> puts the files under the data root.</summary>
    public static string DefaultFolder(string dataRoot, MnistVariant variant) =>
        Path.Combine(dataRoot, variant == MnistVariant.Mnist ? "mnist" : "fashion-mnist");

    /// <summary>The training (60 000) or test (10 000) split as stored: (N, 1, 28, 28) bytes and labels 0–9.</summary>
    public static ImageSet Load(string folder, bool train, MnistVariant variant = MnistVariant.Mnist)
    {
        const string hint = FetchHints.MnistFamily;
        string prefix = train ? "train" : "t10k";
        string imagesPath = DataFile.Find(folder, $"{prefix}-images-idx3-ubyte", hint);
        string labelsPath = DataFile.Find(folder, $"{prefix}-labels-idx1-ubyte", hint);
        var pixels = IdxReader.ReadImages(imagesPath, Rows, Columns, hint);
        var labels = IdxReader.ReadLabels(labelsPath, Classes, hint);
        int imageCount = pixels.Length / (Rows * Columns);
        if (labels.Length != imageCount)
            throw new DataFormatException(labelsPath, "item count",
                $"{imageCount} (the image count of {Path.GetFileName(imagesPath)})", labels.Length.ToString(), hint);
        string name = $"{(variant == MnistVariant.Mnist ? "MNIST" : "Fashion-MNIST")} {(train ? "train" : "test")}";
        return new ImageSet(name, 1, Rows, Columns, Classes, pixels, labels);
    }
}
