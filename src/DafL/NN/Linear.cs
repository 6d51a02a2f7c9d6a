using DafL.Random;

namespace DafL.NN;

/// <summary>
/// <c>nn.Linear(in_features, out_features, bias)</c>: y = x·Wᵀ + b with weight (out, in) and bias (out), both
/// initialised as PyTorch does (<see cref="Init.DefaultBound"/>), weight first, from <paramref name="gen"/>.
/// </summary>
public sealed class Linear : Layer
{
    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    public int InFeatures { get; }
    public int OutFeatures { get; }

    public Linear(int inFeatures, int outFeatures, Philox gen, bool bias = true)
    {
        if (inFeatures < 1 || outFeatures < 1)
            throw new ArgumentException($"Linear: in features {inFeatures} and out features {outFeatures} must be at least 1.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        float bound = Init.DefaultBound(inFeatures);
        Weight = RegisterParameter("weight", Init.Uniform([outFeatures, inFeatures], bound, gen));
        if (bias) Bias = RegisterParameter("bias", Init.Uniform([outFeatures], bound, gen));
    }

    public override Tensor Forward(Tensor x) => Ops.Functional.Linear(x, Weight, Bias); // (N, in) → (N, out)
}
