using DafL.Autograd;

namespace DafL.NN;

/// <summary>
/// Batch normalisation over (N, H, W) per channel, like <c>nn.BatchNorm2d(C, eps, momentum, affine)</c>.
/// Training uses batch statistics and updates the running ones; evaluation uses the running ones.
/// Note: the DAFL generator's <c>BatchNorm2d(C, 0.8)</c> is eps = 0.8 (PyTorch's second positional argument).
/// </summary>
public sealed class BatchNorm2d : Layer
{
    public Tensor? Weight { get; }
    public Tensor? Bias { get; }
    public Tensor RunningMean { get; }
    public Tensor RunningVar { get; }
    /// <summary>Forward passes in training mode (PyTorch keeps it as int64; here a float scalar, exact to 2²⁴).</summary>
    public Tensor NumBatchesTracked { get; }
    public float Eps { get; }
    public float Momentum { get; }

    public BatchNorm2d(int channels, float eps = 1e-5f, float momentum = 0.1f, bool affine = true)
    {
        Eps = eps;
        Momentum = momentum;
        using (TensorScope.Untracked())
        {
            if (affine)
            {
                Weight = RegisterParameter("weight", Tensor.Ones([channels]));
                Bias = RegisterParameter("bias", Tensor.Zeros([channels]));
            }
            RunningMean = RegisterBuffer("running_mean", Tensor.Zeros([channels]));
            RunningVar = RegisterBuffer("running_var", Tensor.Ones([channels]));
            NumBatchesTracked = RegisterBuffer("num_batches_tracked", Tensor.Zeros([]));
        }
    }

    public override Tensor Forward(Tensor x)
    {
        if (IsTraining)
            using (GradMode.NoGrad())
                NumBatchesTracked.Span[0] += 1;
        return Ops.Functional.BatchNorm2d(x, RunningMean, RunningVar, Weight, Bias, IsTraining, Momentum, Eps);
    }
}
