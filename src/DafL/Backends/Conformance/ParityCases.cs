namespace DafL.Backends.Conformance;

/// <summary>
/// The conformance suite: every <see cref="Backends.IBackend"/> method as one or more <see cref="ParityCase"/>s at
/// the shapes DAFL uses (the MNIST generator and LeNet-5, ResNet's strided blocks) and at the edge cases of the
/// backends' code paths (views at offsets, broadcasting patterns, empty tensors, ties and NaN, optional tensors),
/// forward and backward side by side, each within one row of the tolerance table <see cref="ParityTolerance"/>.
/// <c>dafl doctor</c> runs it on every registered backend; NUnit runs it on the mock GPU (CudaConformanceTests) and on
/// a backend the tests register by name (RegisteredBackendConformanceTests). One file per op
/// family, like IBackend.*.cs; BackendParityTests fails when a method has no case.
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
