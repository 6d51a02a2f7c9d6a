using DafL.Random;

namespace DafL.NN;

/// <summary>y = x·Wᵀ + b with W (out, in), like <c>nn.Linear</c>.</summary>
public sealed class Linear : Layer
{
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public Linear(int inFeatures, int outFeatures, Philox gen, bool bias = true)
    {
        float bound = Init.DefaultBound(inFeatures);
        Weight = RegisterParameter("weight", Init.Uniform([outFeatures, inFeatures], bound, gen));
        if (bias) Bias = RegisterParameter("bias", Init.Uniform([outFeatures], bound, gen));
    }

    public override Tensor Forward(Tensor x) => Ops.Functional.Linear(x, Weight, Bias); // (N, in) → (N, out)
}
