namespace DafL.Data;

/// <summary>The last sentence of every <see cref="DataFormatException"/>: how to get a good copy of the data.</summary>
public static class FetchHints
{
    public const string MnistFamily =
        "Fetch MNIST and Fashion-MNIST into data/ with `dotnet pwsh build.ps1 data` (run `dotnet tool restore` once first).";

    public const string Cifar10 =
        "CIFAR-10 is not fetched by `dotnet pwsh build.ps1 data`: download the binary version " +
        "(https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz) and unpack it into data/ (it creates data/cifar-10-batches-bin/).";

    public const string Cifar100 =
        "CIFAR-100 is not fetched by `dotnet pwsh build.ps1 data`: download the binary version " +
        "(https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz) and unpack it into data/ (it creates data/cifar-100-binary/).";
}
