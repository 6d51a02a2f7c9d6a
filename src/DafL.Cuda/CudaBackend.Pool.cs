using DafL.Backends.Cuda.Kernels;

namespace DafL.Backends.Cuda;

/// <summary>Pooling and nearest upsampling over the N·C planes of (N, C, H, W) tensors, one thread per output (or input).</summary>
public sealed partial class CudaBackend
{
    public void MaxPool2d(Tensor x, int kernel, int stride, Tensor y, Tensor indices)
    {
        const string op = nameof(MaxPool2d);
        var (planes, h, w) = Planes(x);
        int oh = y.Shape[2], ow = y.Shape[3];
        SameElementCount(op, y, indices);
        _kernels.LaunchGridStride(Kernel.MaxPool2dForward, y.Numel, Address(x, op), Address(y, op), Address(indices, op),
            planes, h, w, oh, ow, kernel, stride);
    }

    public void MaxPool2dBackward(Tensor gy, Tensor indices, Tensor gx)
    {
        const string op = nameof(MaxPool2dBackward);
        var (planes, h, w) = Planes(gx);
        SameElementCount(op, gy, indices);
        // One thread per plane: it clears the plane, then adds its gradients in order (no atomics).
        _kernels.LaunchGridStride(Kernel.MaxPool2dBackward, planes, Address(gy, op), Address(indices, op), Address(gx, op),
            planes, h, w, gy.Shape[2], gy.Shape[3]);
    }

    public void AvgPool2d(Tensor x, int kernel, int stride, Tensor y)
    {
        const string op = nameof(AvgPool2d);
        var (planes, h, w) = Planes(x);
        _kernels.LaunchGridStride(Kernel.AvgPool2dForward, y.Numel, Address(x, op), Address(y, op),
            planes, h, w, y.Shape[2], y.Shape[3], kernel, stride);
    }

    public void AvgPool2dBackward(Tensor gy, int kernel, int stride, Tensor gx)
    {
        const string op = nameof(AvgPool2dBackward);
        var (planes, h, w) = Planes(gx);
        _kernels.LaunchGridStride(Kernel.AvgPool2dBackward, gx.Numel, Address(gy, op), Address(gx, op),
            planes, h, w, gy.Shape[2], gy.Shape[3], kernel, stride);
    }

    public void UpsampleNearest(Tensor x, int scale, Tensor y)
    {
        const string op = nameof(UpsampleNearest);
        var (planes, h, w) = Planes(x);
        _kernels.LaunchGridStride(Kernel.UpsampleNearestForward, y.Numel, Address(x, op), Address(y, op), planes, h, w, scale);
    }

    public void UpsampleNearestBackward(Tensor gy, int scale, Tensor gx)
    {
        const string op = nameof(UpsampleNearestBackward);
        var (planes, h, w) = Planes(gx);
        _kernels.LaunchGridStride(Kernel.UpsampleNearestBackward, gx.Numel, Address(gy, op), Address(gx, op), planes, h, w, scale);
    }

    /// <summary>(N·C, H, W) of an (N, C, H, W) tensor.</summary>
    static (long Planes, int H, int W) Planes(Tensor t) => ((long)t.Shape[0] * t.Shape[1], t.Shape[2], t.Shape[3]);
}
