namespace DafL.Data;

/// <summary>The two datasets stored as MNIST-style IDX files (28×28 grey images, 10 classes, same file names).</summary>
public enum MnistVariant
{
    Mnist,
    FashionMnist,
}
