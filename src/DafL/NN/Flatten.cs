namespace DafL.NN;

/// <summary><c>nn.Flatten(start_dim)</c>: (N, C, H, W) → (N, C·H·W) with the default start dimension 1.</summary>
public sealed class Flatten(int startDim = 1) : Layer
{
    public int StartDim { get; } = startDim;

    public override Tensor Forward(Tensor x) => x.Flatten(StartDim);
}
