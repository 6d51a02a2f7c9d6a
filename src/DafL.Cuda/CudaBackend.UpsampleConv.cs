namespace DafL.Backends.Cuda;

/// <summary>
/// A convolution of a ×f nearest-upsampled input: the upsample kernel materialises the large input in a pooled
/// temporary and cuDNN convolves it as before; the data gradient goes through a temporary of the large input's
/// size and the upsample-backward kernel sums its f × f blocks.
/// </summary>
public sealed unsafe partial class CudaBackend
{
    public void UpsampleConv2dForward(Tensor x, Tensor weight, Tensor? bias, Tensor y, int upsample, int stride, int padding)
    {
        using var large = UpsampledCopy(x, upsample);
        Conv2dForward(large, weight, bias, y, stride, padding);
    }

    public void UpsampleConv2dBackwardData(Tensor gy, Tensor weight, Tensor gx, int upsample, int stride, int padding)
    {
        using var large = Tensor.Empty(Upsampled(gx.Shape, upsample), gx.Device);
        Conv2dBackwardData(gy, weight, large, stride, padding);
        UpsampleNearestBackward(large, upsample, gx);
    }

    public void UpsampleConv2dBackwardWeight(Tensor x, Tensor gy, Tensor gw, int upsample, int stride, int padding)
    {
        using var large = UpsampledCopy(x, upsample);
        Conv2dBackwardWeight(large, gy, gw, stride, padding);
    }

    /// <summary>(N, C, f·H, f·W) of (N, C, H, W).</summary>
    static int[] Upsampled(int[] shape, int factor) => [shape[0], shape[1], shape[2] * factor, shape[3] * factor];

    Tensor UpsampledCopy(Tensor x, int factor)
    {
        var large = Tensor.Empty(Upsampled(x.Shape, factor), x.Device);
        UpsampleNearest(x, factor, large);
        return large;
    }
}
