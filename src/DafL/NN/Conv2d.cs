using DafL.Random;

namespace DafL.NN;

/// <summary>
/// <c>nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, bias)</c> with a square kernel:
/// weight (O, I, k, k) and bias (O), initialised as PyTorch does (<see cref="Init.DefaultBound"/> with
/// fan-in I·k·k), weight first, from <paramref name="gen"/>. With <c>upsample</c> f &gt; 1 it convolves its input
/// upsampled ×f by nearest neighbour (<c>nn.Upsample(scale_factor=f)</c> then the convolution, fused: see
/// <see cref="Ops.Functional.UpsampleConv2d"/>); the upsample has no parameters, so the keys are the same.
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
    /// <summary>The nearest-upsampling factor applied to the input first (1: none).</summary>
    public int Upsample { get; }

    public Conv2d(int inChannels, int outChannels, int kernelSize, Philox gen, int stride = 1, int padding = 0, bool bias = true,
        int upsample = 1)
    {
        if (inChannels < 1 || outChannels < 1 || kernelSize < 1 || stride < 1 || padding < 0 || upsample < 1)
            throw new ArgumentException($"Conv2d: in channels {inChannels}, out channels {outChannels}, kernel size {kernelSize}, stride {stride} " +
                $"and upsample {upsample} must be at least 1 and padding {padding} at least 0.");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Upsample = upsample;
        float bound = Init.DefaultBound(inChannels * kernelSize * kernelSize);
        Weight = RegisterParameter("weight", Init.Uniform([outChannels, inChannels, kernelSize, kernelSize], bound, gen));
        if (bias) Bias = RegisterParameter("bias", Init.Uniform([outChannels], bound, gen));
    }

    /// <summary>(N, I, H, W) → (N, O, Ho, Wo), Ho and Wo those of the convolution of (f·H, f·W).</summary>
    public override Tensor Forward(Tensor x) =>
        Upsample == 1 ? Ops.Functional.Conv2d(x, Weight, Bias, Stride, Padding) : Ops.Functional.UpsampleConv2d(x, Weight, Bias, Upsample, Stride, Padding);
}
