namespace DafL.Training.Diagnostics;

/// <summary>
/// Every <see cref="Backends.IBackend"/> method as one or more <see cref="ParityCase"/>s at the shapes DAFL uses
/// (the MNIST generator and LeNet-5, ResNet's strided blocks), forward and backward side by side. One file per op
/// family, like IBackend.*.cs; ParityCoverageTests fails when a method has no case.
/// </summary>
public static partial class ParityCases
{
    /// <summary>All cases; <paramref name="tf32"/> loosens matrix products and convolutions to TF32's tolerance.</summary>
    public static IReadOnlyList<ParityCase> All(ParitySizes sizes, bool tf32) =>
    [
        .. Core(sizes), .. Activation(sizes), .. Elementwise(sizes), .. Reduce(sizes), .. Softmax(sizes),
        .. Dafl(sizes), .. Linalg(sizes, tf32), .. Conv(sizes, tf32), .. Norm(sizes), .. Pool(sizes), .. Optim(sizes),
    ];

    static string S(params int[] shape) => Tensor.ShapeString(shape);
}
