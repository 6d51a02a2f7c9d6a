using DafL.Data;

namespace DafL.Training;

/// <summary>The datasets the trainers know, by CLI name, with the official DAFL preprocessing of each.</summary>
public static class DatasetCatalog
{
    public static readonly string[] Names = ["mnist", "fashion-mnist", "cifar10", "cifar100"];

    public static int Classes(string name) => Check(name) == "cifar100" ? 100 : 10;
    public static int Channels(string name) => Check(name).StartsWith("cifar", StringComparison.Ordinal) ? 3 : 1;

    /// <summary>
    /// Loads a split, preprocessed as the official code does: MNIST-like sets resized 28→32 and normalised;
    /// CIFAR normalised, with random crop and flip when <paramref name="augment"/> (the teacher's training split).
    /// </summary>
    public static IImageDataset Load(string name, string dataRoot, bool train, bool augment = false)
    {
        switch (Check(name))
        {
            case "mnist":
                return DaflPreprocessing.Mnist(MnistDataset.Load(MnistDataset.DefaultFolder(dataRoot, MnistVariant.Mnist), train), MnistVariant.Mnist);
            case "fashion-mnist":
                return DaflPreprocessing.Mnist(MnistDataset.Load(MnistDataset.DefaultFolder(dataRoot, MnistVariant.FashionMnist), train, MnistVariant.FashionMnist), MnistVariant.FashionMnist);
            case "cifar10":
            {
                var raw = Cifar10Dataset.Load(Cifar10Dataset.DefaultFolder(dataRoot), train);
                return augment ? DaflPreprocessing.CifarTrain(raw) : DaflPreprocessing.CifarTest(raw);
            }
            default:
            {
                var raw = Cifar100Dataset.Load(Cifar100Dataset.DefaultFolder(dataRoot), train);
                return augment ? DaflPreprocessing.CifarTrain(raw) : DaflPreprocessing.CifarTest(raw);
            }
        }
    }

    static string Check(string name) => Names.Contains(name)
        ? name
        : throw new ArgumentException($"Unknown dataset '{name}'; expected one of: {string.Join(", ", Names)}.");
}
