namespace DafL.Backends;

public partial interface IBackend
{
    /// <summary>
    /// Batch norm on batch statistics. x, y: (N, C, H, W); every other tensor (C). Writes the per-channel batch mean
    /// and biased variance into <paramref name="saveMean"/> and <paramref name="saveVar"/>, and
    /// y = (x − mean) / √(var + eps) · weight + bias (weight, bias null: no affine). When running statistics are
    /// given they are updated in place: running = (1 − momentum)·running + momentum·batch, with the unbiased
    /// variance (n/(n − 1), n = N·H·W &gt; 1) going into <paramref name="runningVar"/>.
    /// </summary>
    void BatchNormForwardTraining(Tensor x, Tensor? weight, Tensor? bias,
        [Output] Tensor? runningMean, [Output] Tensor? runningVar, float momentum, float eps,
        [Output] Tensor y, [Output] Tensor saveMean, [Output] Tensor saveVar);

    /// <summary>Batch norm on given statistics (eval mode): y = (x − mean) / √(var + eps) · weight + bias.</summary>
    void BatchNormForwardInference(Tensor x, Tensor mean, Tensor var, Tensor? weight, Tensor? bias, float eps, [Output] Tensor y);

    /// <summary>
    /// Gradients of batch norm given gy (N, C, H, W) and the statistics the forward used. Training: mean and var are
    /// functions of x, so gx carries the full batch-statistics term; eval: they are constants and gx = gy·weight/√(var + eps).
    /// gweight = Σ gy·x̂, gbias = Σ gy over (N, H, W). Each output may be null (not wanted).
    /// </summary>
    void BatchNormBackward(Tensor x, Tensor gy, Tensor mean, Tensor var, Tensor? weight, float eps, bool training,
        [Output] Tensor? gx, [Output] Tensor? gWeight, [Output] Tensor? gBias);
}
