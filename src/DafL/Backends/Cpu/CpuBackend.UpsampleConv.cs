namespace DafL.Backends.Cpu;

/// <summary>
/// A convolution of a ×f nearest-upsampled input (the DAFL generator's Conv2d(UpsampleNearest(h, 2))). For f = 2 on
/// the <see cref="PaddedConv"/> path the staging step upsamples as it pads, so the large input never exists; the data
/// gradient convolves each image at full resolution into scratch and sums its 2 × 2 blocks. Every other shape
/// materialises the upsampled input (or its gradient) in a pooled tensor and runs the plain convolution: the same
/// numbers as the unfused composition everywhere, bit for bit.
/// </summary>
public sealed unsafe partial class CpuBackend
{
    public void UpsampleConv2dForward(Tensor x, Tensor weight, Tensor? bias, Tensor y, int upsample, int stride, int padding)
    {
        var g = new ConvGeometry(Upsampled(x.Shape, upsample), weight.Shape, stride, padding);
        if (upsample == 2 && g.IsPadded)
        {
            var layout = g.UpsampledLayout(2);
            PaddedForward(x.Ptr, layout.SourcePerImage, g.N, layout, weight.Ptr, g.O, false, bias == null ? null : bias.Ptr, y.Ptr, g.OutputPerImage);
            return;
        }
        using var large = UpsampledCopy(x, upsample);
        Conv2dForward(large, weight, bias, y, stride, padding);
    }

    public void UpsampleConv2dBackwardData(Tensor gy, Tensor weight, Tensor gx, int upsample, int stride, int padding)
    {
        var g = new ConvGeometry(Upsampled(gx.Shape, upsample), weight.Shape, stride, padding);
        if (upsample == 2 && g.IsPadded)
        {
            PaddedForward(gy.Ptr, g.OutputPerImage, g.N, g.PaddedGradientLayout, weight.Ptr, g.C, true, null, gx.Ptr, g.InputPerImage / 4, sumBlocksOfTwo: true);
            return;
        }
        using var large = Tensor.Empty(Upsampled(gx.Shape, upsample));
        Conv2dBackwardData(gy, weight, large, stride, padding);
        UpsampleNearestBackward(large, upsample, gx);
    }

    public void UpsampleConv2dBackwardWeight(Tensor x, Tensor gy, Tensor gw, int upsample, int stride, int padding)
    {
        var g = new ConvGeometry(Upsampled(x.Shape, upsample), gw.Shape, stride, padding);
        if (upsample == 2 && g.IsPadded)
        {
            BackwardWeight(g, 2, x.Ptr, gy.Ptr, gw);
            return;
        }
        using var large = UpsampledCopy(x, upsample);
        Conv2dBackwardWeight(large, gy, gw, stride, padding);
    }

    /// <summary>(N, C, f·H, f·W) of (N, C, H, W).</summary>
    static int[] Upsampled(int[] shape, int factor) => [shape[0], shape[1], shape[2] * factor, shape[3] * factor];

    Tensor UpsampledCopy(Tensor x, int factor)
    {
        var large = Tensor.Empty(Upsampled(x.Shape, factor));
        UpsampleNearest(x, factor, large);
        return large;
    }
}
