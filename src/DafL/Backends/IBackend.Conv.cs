namespace DafL.Backends;

public partial interface IBackend
{
    /// <summary>
    /// y (N, O, Ho, Wo) = x (N, C, H, W) ⋆ weight (O, C, kH, kW) + bias (O), cross-correlation as in PyTorch, with
    /// a square <paramref name="stride"/> and zero <paramref name="padding"/> on every side;
    /// Ho = (H + 2·padding − kH) / stride + 1, Wo likewise.
    /// </summary>
    void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, [Output] Tensor y, int stride, int padding);

    /// <summary>gx (N, C, H, W) = the gradient of the convolution with respect to its input, from gy (N, O, Ho, Wo).</summary>
    void Conv2dBackwardData(Tensor gy, Tensor weight, [Output] Tensor gx, int stride, int padding);

    /// <summary>
    /// gw (O, C, kH, kW) = the gradient with respect to the weight, from x (N, C, H, W) and gy (N, O, Ho, Wo).
    /// Deterministic: the result does not depend on how threads are scheduled.
    /// </summary>
    void Conv2dBackwardWeight(Tensor x, Tensor gy, [Output] Tensor gw, int stride, int padding);

    /// <summary>
    /// y = the convolution of x (N, C, H, W) upsampled ×<paramref name="upsample"/> by nearest neighbour, i.e. of
    /// (N, C, f·H, f·W) with every pixel an f × f block, without that tensor existing where the backend can avoid
    /// it (the DAFL generator's Conv2d(UpsampleNearest(h, 2))). Equal to <see cref="UpsampleNearest"/> then
    /// <see cref="Conv2dForward"/>.
    /// </summary>
    void UpsampleConv2dForward(Tensor x, Tensor weight, Tensor? bias, [Output] Tensor y, int upsample, int stride, int padding);

    /// <summary>
    /// gx (N, C, H, W) = the gradient of <see cref="UpsampleConv2dForward"/> with respect to its (small) input: the
    /// full-resolution input gradient with each f × f block summed, as <see cref="UpsampleNearestBackward"/> sums it.
    /// </summary>
    void UpsampleConv2dBackwardData(Tensor gy, Tensor weight, [Output] Tensor gx, int upsample, int stride, int padding);

    /// <summary>gw (O, C, kH, kW) of <see cref="UpsampleConv2dForward"/>, from the small x (N, C, H, W); deterministic.</summary>
    void UpsampleConv2dBackwardWeight(Tensor x, Tensor gy, [Output] Tensor gw, int upsample, int stride, int padding);

    /// <summary>gb (O) = Σ over N, Ho, Wo of gy (N, O, Ho, Wo).</summary>
    void Conv2dBackwardBias(Tensor gy, [Output] Tensor gb);
}
