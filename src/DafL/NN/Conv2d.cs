using DafL.Random;

namespace DafL.NN;

/// <summary>2-D convolution with a square kernel, like <c>nn.Conv2d</c>: weight (O, I, k, k), optional bias (O).</summary>
public sealed class Conv2d : Layer
{
    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    public int Stride { get; }
    public int Padding { get; }

    public Conv2d(int inChannels, int outChannels, int kernel, Philox gen, int stride = 1, int padding = 0, bool bias = true)
    {
        Stride = stride;
        Padding = padding;
        float bound = Init.DefaultBound(inChannels * kernel * kernel);
        Weight = RegisterParameter("weight", Init.Uniform([outChannels, inChannels, kernel, kernel], bound, gen));
        if (bias) Bias = RegisterParameter("bias", Init.Uniform([outChannels], bound, gen));
    }

    public override Tensor Forward(Tensor x) => Ops.Functional.Conv2d(x, Weight, Bias, Stride, Padding); // (N, I, H, W) → (N, O, Ho, Wo)
}
