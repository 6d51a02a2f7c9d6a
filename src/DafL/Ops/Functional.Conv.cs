using DafL.Autograd;

namespace DafL.Ops;

public static partial class Functional
{
    /// <summary>
    /// 2-D convolution (PyTorch's cross-correlation): x (N, C, H, W), weight (O, C, kH, kW), bias (O) or null →
    /// (N, O, Ho, Wo) with Ho = (H + 2·padding − kH) / stride + 1 and Wo likewise. Zero padding on every side.
    /// </summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0) =>
        Convolve("conv2d", x, weight, bias, 1, stride, padding);

    /// <summary>
    /// Conv2d(UpsampleNearest(x, <paramref name="upsample"/>), weight, bias, stride, padding) as one op, so that the
    /// backend need not build the upsampled input: x (N, C, H, W) is convolved as (N, C, f·H, f·W). Same result and
    /// gradients as the composition.
    /// </summary>
    public static Tensor UpsampleConv2d(Tensor x, Tensor weight, Tensor? bias, int upsample, int stride = 1, int padding = 0)
    {
        const string op = "upsample_conv2d";
        if (upsample < 1) throw new ArgumentException($"{op}: upsample factor {upsample} must be at least 1.");
        return Convolve(op, x, weight, bias, upsample, stride, padding);
    }

    /// <summary>
    /// <see cref="Conv2d"/> (upsample 1: the plain kernels) or <see cref="UpsampleConv2d"/>, forward and backward.
    /// </summary>
    static Tensor Convolve(string op, Tensor x, Tensor weight, Tensor? bias, int upsample, int stride, int padding)
    {
        var (ho, wo) = Conv2dOutputSize(op, x, weight, bias, stride, padding, upsample);
        using var xc = x.ContiguousNoGrad();
        using var wc = weight.ContiguousNoGrad();
        using var bc = bias?.ContiguousNoGrad();
        var y = Tensor.Empty([x.Shape[0], weight.Shape[0], ho, wo], x.Device);
        if (upsample == 1) x.Backend.Conv2dForward(xc, wc, bc, y, stride, padding);
        else x.Backend.UpsampleConv2dForward(xc, wc, bc, y, upsample, stride, padding);
        Tensor[] inputs = bias == null ? [x, weight] : [x, weight, bias];
        return Graph.Record(op, y, inputs, gy =>
        {
            using var gyc = gy.ContiguousNoGrad();
            var grads = new Tensor?[inputs.Length];
            if (x.RequiresGrad)
            {
                using var ws = weight.ContiguousNoGrad();
                var gx = grads[0] = Tensor.Empty(x.Shape, x.Device);
                if (upsample == 1) x.Backend.Conv2dBackwardData(gyc, ws, gx, stride, padding);
                else x.Backend.UpsampleConv2dBackwardData(gyc, ws, gx, upsample, stride, padding);
            }
            if (weight.RequiresGrad)
            {
                using var xs = x.ContiguousNoGrad();
                var gw = grads[1] = Tensor.Empty(weight.Shape, weight.Device);
                if (upsample == 1) x.Backend.Conv2dBackwardWeight(xs, gyc, gw, stride, padding);
                else x.Backend.UpsampleConv2dBackwardWeight(xs, gyc, gw, upsample, stride, padding);
            }
            if (bias is { RequiresGrad: true })
            {
                grads[2] = Tensor.Empty(bias.Shape, bias.Device);
                x.Backend.Conv2dBackwardBias(gyc, grads[2]!);
            }
            return grads;
        });
    }

    /// <summary>
    /// Checks the arguments of <see cref="Conv2d"/> (of <see cref="UpsampleConv2d"/>, whose input is convolved at
    /// <paramref name="upsample"/> times its size) and returns the output's (Ho, Wo).
    /// </summary>
    static (int Ho, int Wo) Conv2dOutputSize(string op, Tensor x, Tensor weight, Tensor? bias, int stride, int padding, int upsample = 1)
    {
        string Describe() =>
            $"input {Tensor.ShapeString(x.Shape)}, weight {Tensor.ShapeString(weight.Shape)}" +
            (bias == null ? "" : $", bias {Tensor.ShapeString(bias.Shape)}") + $", stride {stride}, padding {padding}" +
            (upsample == 1 ? "" : $", upsample {upsample}");
        if (x.Rank != 4 || weight.Rank != 4)
            throw new ArgumentException($"{op}: input must be 4-D (N, C, H, W) and weight 4-D (O, C, kH, kW); got {Describe()}.");
        if (stride < 1 || padding < 0)
            throw new ArgumentException($"{op}: stride must be at least 1 and padding at least 0; got {Describe()}.");
        if (x.Shape[1] != weight.Shape[1])
            throw new ArgumentException($"{op}: input has {x.Shape[1]} channels but weight expects {weight.Shape[1]}; got {Describe()}.");
        if (bias != null && (bias.Rank != 1 || bias.Shape[0] != weight.Shape[0]))
            throw new ArgumentException($"{op}: bias must be 1-D with {weight.Shape[0]} elements (one per output channel); got {Describe()}.");
        int paddedH = x.Shape[2] * upsample + 2 * padding, paddedW = x.Shape[3] * upsample + 2 * padding;
        if (weight.Shape[2] > paddedH || weight.Shape[3] > paddedW)
            throw new ArgumentException($"{op}: kernel {weight.Shape[2]}×{weight.Shape[3]} is larger than the padded input {paddedH}×{paddedW}; got {Describe()}.");
        if (weight.Shape[2] == 0 || weight.Shape[3] == 0)
            throw new ArgumentException($"{op}: kernel must be at least 1×1; got {Describe()}.");
        Tensor.CheckSameDevice(op, x, weight);
        if (bias != null) Tensor.CheckSameDevice(op, x, bias);
        return ((paddedH - weight.Shape[2]) / stride + 1, (paddedW - weight.Shape[3]) / stride + 1);
    }
}
