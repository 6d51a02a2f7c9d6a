using static DafL.Ops.Functional;

namespace DafL.NN;

/// <summary><c>nn.LeakyReLU(negative_slope)</c>: x for x &gt; 0, slope·x otherwise (DAFL's generator uses 0.2).</summary>
public sealed class LeakyReLU(float negativeSlope = 0.01f) : Layer
{
    public float NegativeSlope { get; } = negativeSlope;

    public override Tensor Forward(Tensor x) => LeakyRelu(x, NegativeSlope);
}
