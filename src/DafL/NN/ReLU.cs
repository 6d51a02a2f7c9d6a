using static DafL.Ops.Functional;

namespace DafL.NN;

/// <summary><c>nn.ReLU()</c>: max(x, 0).</summary>
public sealed class ReLU : Layer
{
    public override Tensor Forward(Tensor x) => Relu(x);
}
