namespace DafL.NN;

/// <summary><c>nn.Tanh()</c>.</summary>
public sealed class Tanh : Layer
{
    public override Tensor Forward(Tensor x) => Ops.Functional.Tanh(x);
}
