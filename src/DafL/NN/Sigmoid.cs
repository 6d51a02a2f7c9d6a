namespace DafL.NN;

/// <summary><c>nn.Sigmoid()</c>.</summary>
public sealed class Sigmoid : Layer
{
    public override Tensor Forward(Tensor x) => Ops.Functional.Sigmoid(x);
}
