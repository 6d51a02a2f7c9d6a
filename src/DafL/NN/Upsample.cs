using static DafL.Ops.Functional;

namespace DafL.NN;

/// <summary><c>nn.Upsample(scale_factor, mode='nearest')</c> with an integer scale: each pixel becomes a scale × scale block.</summary>
public sealed class Upsample : Layer
{
    public int ScaleFactor { get; }

    public Upsample(int scaleFactor = 2)
    {
        if (scaleFactor < 1) throw new ArgumentException($"Upsample: scale factor {scaleFactor} must be at least 1.");
        ScaleFactor = scaleFactor;
    }

    public override Tensor Forward(Tensor x) => UpsampleNearest(x, ScaleFactor); // (N, C, H, W) → (N, C, s·H, s·W)
}
