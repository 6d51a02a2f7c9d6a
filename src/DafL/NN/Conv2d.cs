using DafL.Random;

namespace DafL.NN;

/// <summary>
/// <c>nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias)</c> with a square kernel:
/// weight (O, I, k, k) and bias (O), initialised as PyTorch does (<see cref="Init.DefaultBound"/> with
/// fan-in I·k·k), weight first, from <paramref name="gen"/>.
/// </summary>
public sealed class Conv2d : Layer
{
    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    public int InChannels { get; }
    public int OutChannels { get; }
    public int KernelSize { get; }
    public int Stride { get; }
    public int Padding { get; }

    public Conv2d(int inChannels, int outChannels, int kernelSize, Philox gen, int stride = 1, int padding = 0, bool bias = true)
    {
        if (inChannels < 1 || outChannels < 1 || kernelSize < 1 || stride < 1 || padding < 0)
            throw new ArgumentException($"Conv2d: in channels {inChannels}, out channels {outChannels}, kernel size {kernelSize} and stride {stride} " +
                $"must be at least 1 and padding {padding} at least 0.");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        float bound = Init.DefaultBound(inChannels * kernelSize * kernelSize);
        Weight = RegisterParameter("weight", Init.Uniform([outChannels, inChannels, kernelSize, kernelSize], bound, gen));
        if (bias) Bias = RegisterParameter("bias", Init.Uniform([outChannels], bound, gen));
    }

    public override Tensor Forward(Tensor x) => Ops.Functional.Conv2d(x, Weight, Bias, Stride, Padding); // (N, I, H, W) → (N, O, Ho, Wo)
}
