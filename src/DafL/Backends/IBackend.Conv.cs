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

    /// <summary>gb (O) = Σ over N, Ho, Wo of gy (N, O, Ho, Wo).</summary>
    void Conv2dBackwardBias(Tensor gy, [Output] Tensor gb);
}
