using DafL.Autograd;
using static DafL.Ops.Functional;

namespace DafL.NN;

/// <summary>
/// <c>nn.BatchNorm2d(num_features, eps, momentum, affine)</c> over (N, H, W) per channel. Training normalises with
/// the batch statistics, moves the running ones (running = (1 − momentum)·running + momentum·batch, unbiased
/// variance) and counts the batch in <c>num_batches_tracked</c>; evaluation normalises with the running ones.
/// Initialised as PyTorch's <c>reset_parameters</c>: weight 1, bias 0, running mean 0, running variance 1, count 0.
/// Note: the DAFL generator's <c>BatchNorm2d(C, 0.8)</c> is eps = 0.8 (PyTorch's second positional argument).
/// </summary>
public sealed class BatchNorm2d : Layer
{
    /// <summary>γ (C), or null without affine parameters.</summary>
    public Tensor? Weight { get; }
    /// <summary>β (C), or null without affine parameters.</summary>
    public Tensor? Bias { get; }
    public Tensor RunningMean { get; }
    public Tensor RunningVar { get; }
    /// <summary>
    /// Training-mode forward passes so far, a one-element tensor like PyTorch's. PyTorch keeps it as int64; here it is
    /// a float, exact up to 2²⁴ (16.7 million batches), and <see cref="IO.SafeTensors"/> stores it as I64.
    /// </summary>
    public Tensor NumBatchesTracked { get; }
    public int NumFeatures { get; }
    public float Eps { get; }
    public float Momentum { get; }

    public BatchNorm2d(int numFeatures, float eps = 1e-5f, float momentum = 0.1f, bool affine = true)
    {
        if (numFeatures < 1) throw new ArgumentException($"BatchNorm2d: number of features {numFeatures} must be at least 1.");
        if (!(eps > 0)) throw new ArgumentException($"BatchNorm2d: eps {eps} must be positive.");
        if (!(momentum >= 0 && momentum <= 1)) throw new ArgumentException($"BatchNorm2d: momentum {momentum} must lie in [0, 1].");
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        using (TensorScope.Untracked())
        {
            if (affine)
            {
                Weight = RegisterParameter("weight", Tensor.Ones([numFeatures]));
                Bias = RegisterParameter("bias", Tensor.Zeros([numFeatures]));
            }
            RunningMean = RegisterBuffer("running_mean", Tensor.Zeros([numFeatures]));
            RunningVar = RegisterBuffer("running_var", Tensor.Ones([numFeatures]));
            NumBatchesTracked = RegisterBuffer("num_batches_tracked", Tensor.Zeros([]));
        }
    }

    public override Tensor Forward(Tensor x) // (N, C, H, W) → (N, C, H, W)
    {
        var y = Ops.Functional.BatchNorm2d(x, RunningMean, RunningVar, Weight, Bias, IsTraining, Momentum, Eps);
        if (IsTraining) CountBatch();
        return y;
    }

    /// <summary>
    /// This layer then <c>LeakyReLU(slope)</c>: in training one fused op (<see cref="Ops.Functional.BatchNorm2dLeakyRelu"/>),
    /// which moves the running statistics and counts the batch exactly as <see cref="Forward"/> does; in eval the two ops.
    /// <see cref="Sequential"/> calls it for a BatchNorm2d followed by a LeakyReLU.
    /// </summary>
    internal Tensor ForwardLeakyRelu(Tensor x, float slope)
    {
        if (!IsTraining) return LeakyRelu(Forward(x), slope);
        var y = BatchNorm2dLeakyRelu(x, RunningMean, RunningVar, Weight, Bias, slope, Momentum, Eps);
        CountBatch();
        return y;
    }

    /// <summary>num_batches_tracked += 1, on whatever device the module lives (no host round trip).</summary>
    void CountBatch()
    {
        using var _ = GradMode.NoGrad();
        using var next = AddScalar(NumBatchesTracked, 1f);
        NumBatchesTracked.CopyFrom(next);
    }
}
