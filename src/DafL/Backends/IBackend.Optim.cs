namespace DafL.Backends;

public partial interface IBackend
{
    /// <summary>
    /// One fused torch.optim.SGD step over a parameter (all contiguous, same shape):
    /// g = grad + wd·p; buf = momentum·buf + g (buf = g on the first step); g = nesterov ? g + momentum·buf : buf;
    /// p −= lr·g. Without momentum, <paramref name="momentumBuffer"/> is null and p −= lr·(grad + wd·p).
    /// </summary>
    void SgdStep(Tensor param, Tensor grad, Tensor? momentumBuffer, float lr, float momentum, float weightDecay, bool nesterov, bool firstStep);

    /// <summary>
    /// One fused torch.optim.Adam step (L2 weight decay, no amsgrad): g = grad + wd·p; m = β1·m + (1−β1)·g;
    /// v = β2·v + (1−β2)·g²; p −= (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + eps).
    /// </summary>
    void AdamStep(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay, int step);
}
