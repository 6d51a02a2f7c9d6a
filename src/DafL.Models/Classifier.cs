using DafL.NN;

namespace DafL.Models;

/// <summary>
/// A classifier that also exposes its features: the input of its last linear layer, which DAFL's activation
/// loss reads from the teacher (the official models' <c>forward(x, out_feature=True)</c>).
/// </summary>
public abstract class Classifier : Module
{
    public abstract int NumClasses { get; }

    /// <summary>(N, C, H, W) → logits (N, K) and features (N, D).</summary>
    public abstract (Tensor Logits, Tensor Features) Forward(Tensor x);
}
