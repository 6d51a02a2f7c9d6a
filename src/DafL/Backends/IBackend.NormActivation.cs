namespace DafL.Backends;

public partial interface IBackend
{
    /// <summary>
    /// Batch norm on batch statistics followed by LeakyReLU, in one call: exactly
    /// <see cref="BatchNormForwardTraining"/> (same statistics, same running-statistics update) whose normalised,
    /// scaled and shifted value z is written as y = z &gt; 0 ? z : z·slope. slope ≥ 0, so that the sign of y is the
    /// sign of z and the backward can take LeakyReLU's mask from y.
    /// </summary>
    void BatchNormLeakyReluForwardTraining(Tensor x, Tensor? weight, Tensor? bias,
        [Output] Tensor? runningMean, [Output] Tensor? runningVar, float momentum, float eps, float slope,
        [Output] Tensor y, [Output] Tensor saveMean, [Output] Tensor saveVar);

    /// <summary>
    /// Gradients of <see cref="BatchNormLeakyReluForwardTraining"/> from its input x, its output y and gy: LeakyReLU's
    /// gradient gz = y &gt; 0 ? gy : gy·slope, then <see cref="BatchNormBackward"/> in training mode on gz (no gz tensor
    /// is made). Each output may be null (not wanted).
    /// </summary>
    void BatchNormLeakyReluBackward(Tensor x, Tensor y, Tensor gy, Tensor mean, Tensor var, Tensor? weight, float eps, float slope,
        [Output] Tensor? gx, [Output] Tensor? gWeight, [Output] Tensor? gBias);
}
