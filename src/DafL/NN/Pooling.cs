using static DafL.Ops.Functional;

namespace DafL.NN;

/// <summary><c>nn.MaxPool2d(kernel, stride)</c> (no padding).</summary>
public sealed class MaxPool2d(int kernel, int? stride = null) : Layer
{
    public int Kernel { get; } = kernel;
    public int Stride { get; } = stride ?? kernel;
    public override Tensor Forward(Tensor x) => Ops.Functional.MaxPool2d(x, Kernel, Stride);
}

/// <summary><c>nn.AvgPool2d(kernel, stride)</c> (no padding).</summary>
public sealed class AvgPool2d(int kernel, int? stride = null) : Layer
{
    public int Kernel { get; } = kernel;
    public int Stride { get; } = stride ?? kernel;
    public override Tensor Forward(Tensor x) => Ops.Functional.AvgPool2d(x, Kernel, Stride);
}

/// <summary><c>nn.Upsample(scale_factor, mode='nearest')</c> with an integer scale.</summary>
public sealed class Upsample(int scale = 2) : Layer
{
    public int Scale { get; } = scale;
    public override Tensor Forward(Tensor x) => UpsampleNearest(x, Scale);
}

/// <summary><c>nn.Flatten()</c>: (N, ...) → (N, prod(...)).</summary>
public sealed class Flatten : Layer
{
    public override Tensor Forward(Tensor x) => x.Flatten(1);
}
