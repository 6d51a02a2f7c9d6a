namespace DafL.NN;

/// <summary><c>nn.MaxPool2d(kernel_size, stride)</c> without padding; the stride defaults to the kernel size, as in PyTorch.</summary>
public sealed class MaxPool2d : Layer
{
    public int KernelSize { get; }
    public int Stride { get; }

    public MaxPool2d(int kernelSize, int? stride = null)
    {
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        if (KernelSize < 1 || Stride < 1)
            throw new ArgumentException($"MaxPool2d: kernel size {KernelSize} and stride {Stride} must be at least 1.");
    }

    public override Tensor Forward(Tensor x) => Ops.Functional.MaxPool2d(x, KernelSize, Stride); // (N, C, H, W) → (N, C, Ho, Wo)
}
