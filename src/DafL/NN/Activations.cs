using static DafL.Ops.Functional;

namespace DafL.NN;

/// <summary><c>nn.ReLU</c>.</summary>
public sealed class ReLU : Layer
{
    public override Tensor Forward(Tensor x) => Relu(x);
}

/// <summary><c>nn.LeakyReLU(slope)</c>.</summary>
public sealed class LeakyReLU(float slope = 0.01f) : Layer
{
    public float Slope { get; } = slope;
    public override Tensor Forward(Tensor x) => LeakyRelu(x, Slope);
}

/// <summary><c>nn.Tanh</c>.</summary>
public sealed class Tanh : Layer
{
    public override Tensor Forward(Tensor x) => Ops.Functional.Tanh(x);
}
