namespace DafL.Backends.Conformance;

/// <summary>
/// The sizes the parity cases are built from, so that the same cases run at DAFL's real shapes on a GPU and at
/// tiny ones in unit tests.
/// </summary>
/// <param name="Batch">Images per batch.</param>
/// <param name="Width">Channels of the generator's first conv block (official 128); ResNet-like cases use it too.</param>
/// <param name="Classes">Classes of the classifier.</param>
/// <param name="Latent">Latent size of the generator.</param>
/// <param name="Image">Image side (MNIST padded to 32, CIFAR 32).</param>
public sealed record ParitySizes(int Batch, int Width, int Classes, int Latent, int Image)
{
    /// <summary>The MNIST paper preset's layers (generator width 128, latent 100, LeNet-5, 10 classes) at <paramref name="batch"/>.</summary>
    public static ParitySizes Dafl(int batch) => new(batch, 128, 10, 100, 32);

    /// <summary>Small enough for unit tests on two cores, with odd sizes that exercise vector tails.</summary>
    public static ParitySizes Tiny { get; } = new(3, 6, 10, 13, 32);
}
