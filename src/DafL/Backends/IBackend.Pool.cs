namespace DafL.Backends;

public partial interface IBackend
{
    /// <summary>
    /// Max over kernel×kernel windows moved by stride, no padding. x (N, C, H, W) → y (N, C, OH, OW) with
    /// OH = (H − kernel)/stride + 1. <paramref name="indices"/> (same shape as y) receives the position h·W + w of
    /// each maximum inside its (H, W) plane: the first maximum in row-major window order, NaN winning as in PyTorch.
    /// </summary>
    void MaxPool2d(Tensor x, int kernel, int stride, [Output] Tensor y, [Output] Tensor indices);
    /// <summary>gx (N, C, H, W) = 0, then gy scattered (added) to the positions in <paramref name="indices"/>.</summary>
    void MaxPool2dBackward(Tensor gy, Tensor indices, [Output] Tensor gx);

    /// <summary>Mean over kernel×kernel windows moved by stride, no padding: x (N, C, H, W) → y (N, C, OH, OW).</summary>
    void AvgPool2d(Tensor x, int kernel, int stride, [Output] Tensor y);
    /// <summary>gx (N, C, H, W) = Σ over the windows covering each element of gy / kernel².</summary>
    void AvgPool2dBackward(Tensor gy, int kernel, int stride, [Output] Tensor gx);

    /// <summary>Nearest-neighbour upsampling by an integer factor: y[n, c, h, w] = x[n, c, h / scale, w / scale].</summary>
    void UpsampleNearest(Tensor x, int scale, [Output] Tensor y);
    /// <summary>gx[n, c, h, w] = Σ of gy over the scale×scale block that copied x[n, c, h, w].</summary>
    void UpsampleNearestBackward(Tensor gy, int scale, [Output] Tensor gx);
}
