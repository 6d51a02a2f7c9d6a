using DafL.Autograd;

namespace DafL.Ops;

public static partial class Functional
{
    /// <summary>
    /// Max over kernel×kernel windows moved by stride, no padding, floor mode: (N, C, H, W) → (N, C, OH, OW) with
    /// OH = (H − kernel)/stride + 1. The gradient goes to the first maximum of each window (PyTorch's tie rule).
    /// </summary>
    public static Tensor MaxPool2d(Tensor x, int kernel, int stride)
    {
        const string op = "MaxPool2d";
        var shape = PoolOutputShape(op, x, kernel, stride);
        // Argmax positions are stored as floats (the class-index convention): exact only up to 2²⁴.
        if ((long)x.Shape[2] * x.Shape[3] > 1 << 24)
            throw new ArgumentException($"{op}: an input plane of {x.Shape[2]}×{x.Shape[3]} is too large for float argmax indices (at most 2^24 elements), input {Tensor.ShapeString(x.Shape)}.");
        using var xc = x.ContiguousNoGrad();
        var y = Tensor.Empty(shape, x.Device);
        var indices = Tensor.Empty(shape, x.Device); // (N, C, OH, OW): h·W + w of each maximum in its plane
        x.Backend.MaxPool2d(xc, kernel, stride, y, indices);
        var (inShape, device, backend) = (x.Shape, x.Device, x.Backend);
        return Graph.RecordOwning("max_pool2d", y, [x], [indices], gy =>
        {
            using var g = gy.ContiguousNoGrad();
            var gx = Tensor.Empty(inShape, device);
            backend.MaxPool2dBackward(g, indices, gx);
            return [gx];
        });
    }

    /// <summary>Mean over kernel×kernel windows moved by stride, no padding, floor mode (ResNet's head is AvgPool2d(x, 4, 4)).</summary>
    public static Tensor AvgPool2d(Tensor x, int kernel, int stride)
    {
        var shape = PoolOutputShape("AvgPool2d", x, kernel, stride);
        using var xc = x.ContiguousNoGrad();
        var y = Tensor.Empty(shape, x.Device);
        x.Backend.AvgPool2d(xc, kernel, stride, y);
        var (inShape, device, backend) = (x.Shape, x.Device, x.Backend);
        return Graph.Record("avg_pool2d", y, [x], gy =>
        {
            using var g = gy.ContiguousNoGrad();
            var gx = Tensor.Empty(inShape, device);
            backend.AvgPool2dBackward(g, kernel, stride, gx);
            return [gx];
        });
    }

    /// <summary>Nearest-neighbour upsampling by an integer factor: (N, C, H, W) → (N, C, H·scale, W·scale).</summary>
    public static Tensor UpsampleNearest(Tensor x, int scale = 2)
    {
        const string op = "UpsampleNearest";
        CheckRank(op, x, 4, "input (N, C, H, W)");
        if (scale < 1)
            throw new ArgumentException($"{op}: scale must be a positive integer, got {scale} for input {Tensor.ShapeString(x.Shape)}.");
        using var xc = x.ContiguousNoGrad();
        var y = Tensor.Empty([x.Shape[0], x.Shape[1], checked(x.Shape[2] * scale), checked(x.Shape[3] * scale)], x.Device);
        x.Backend.UpsampleNearest(xc, scale, y);
        var (inShape, device, backend) = (x.Shape, x.Device, x.Backend);
        return Graph.Record("upsample_nearest2d", y, [x], gy =>
        {
            using var g = gy.ContiguousNoGrad();
            var gx = Tensor.Empty(inShape, device);
            backend.UpsampleNearestBackward(g, scale, gx);
            return [gx];
        });
    }

    /// <summary>(N, C, OH, OW) of a pooling window without padding; throws for a bad rank, kernel or stride.</summary>
    static int[] PoolOutputShape(string op, Tensor x, int kernel, int stride)
    {
        CheckRank(op, x, 4, "input (N, C, H, W)");
        if (kernel < 1 || stride < 1)
            throw new ArgumentException($"{op}: kernel and stride must be positive, got kernel {kernel}, stride {stride} for input {Tensor.ShapeString(x.Shape)}.");
        int h = x.Shape[2], w = x.Shape[3];
        if (kernel > h || kernel > w)
            throw new ArgumentException($"{op}: kernel {kernel} is larger than the {h}×{w} input plane of {Tensor.ShapeString(x.Shape)} (no padding).");
        return [x.Shape[0], x.Shape[1], (h - kernel) / stride + 1, (w - kernel) / stride + 1];
    }
}
