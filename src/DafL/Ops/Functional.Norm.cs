using DafL.Autograd;

namespace DafL.Ops;

public static partial class Functional
{
    /// <summary>
    /// PyTorch's <c>F.batch_norm</c> on x (N, C, H, W); the running statistics, weight and bias are (C) or null.
    /// Training: x is normalised with the batch mean and biased batch variance, and running statistics, when given,
    /// are updated in place (running = (1 − momentum)·running + momentum·batch, the unbiased variance into
    /// <paramref name="runningVar"/>); that update is not differentiable and happens once per call. Eval: the running
    /// statistics normalise. weight and bias null: no affine (DAFL's last generator BN). Note DAFL's
    /// <c>BatchNorm2d(C, 0.8)</c> means eps = 0.8.
    /// </summary>
    public static Tensor BatchNorm2d(Tensor x, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias,
        bool training, float momentum = 0.1f, float eps = 1e-5f)
    {
        CheckBatchNormArguments(x, runningMean, runningVar, weight, bias, training);
        int channels = x.Shape[1];
        using var xc = x.ContiguousNoGrad();
        using var wc = weight?.ContiguousNoGrad();
        using var bc = bias?.ContiguousNoGrad();
        var y = Tensor.Empty(x.Shape, x.Device);
        Tensor[] inputs = [x, .. weight == null ? [] : new[] { weight }, .. bias == null ? [] : new[] { bias }];

        Tensor mean, var; // the statistics that normalised x, kept for backward: (C), owned by the node
        if (training)
        {
            mean = Tensor.Empty([channels], x.Device);
            var = Tensor.Empty([channels], x.Device);
            x.Backend.BatchNormForwardTraining(xc, wc, bc, runningMean, runningVar, momentum, eps, y, mean, var);
        }
        else
        {
            x.Backend.BatchNormForwardInference(xc, runningMean!, runningVar!, wc, bc, eps, y);
            if (!Graph.NeedsGrad(inputs)) return y;
            // Copies, so that a later training step that moves the running statistics cannot change this backward.
            mean = runningMean!.Clone();
            var = runningVar!.Clone();
        }

        return Graph.RecordOwning("batch_norm", y, inputs, [mean, var], gy => BatchNormGradients(x, gy, weight, bias,
            (xs, g, w, gx, gWeight, gBias) => x.Backend.BatchNormBackward(xs, g, mean, var, w, eps, training, gx, gWeight, gBias)));
    }

    /// <summary>
    /// <see cref="BatchNorm2d"/> in training mode followed by <see cref="LeakyRelu"/> with <paramref name="slope"/> ≥ 0,
    /// as one op (the DAFL generator's BatchNorm2d(C, 0.8) → LeakyReLU(0.2)): the same values, running-statistics
    /// update and gradients as the two ops, with no tensor between them. The backward keeps x, the output and the
    /// (C) statistics, and takes LeakyReLU's mask from the sign of the output.
    /// </summary>
    public static Tensor BatchNorm2dLeakyRelu(Tensor x, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias,
        float slope, float momentum = 0.1f, float eps = 1e-5f)
    {
        CheckBatchNormArguments(x, runningMean, runningVar, weight, bias, training: true);
        if (!(slope >= 0))
            throw new ArgumentException($"BatchNorm2dLeakyRelu: slope {slope} must be ≥ 0 (the backward reads LeakyReLU's mask from the output's sign).");
        int channels = x.Shape[1];
        using var xc = x.ContiguousNoGrad();
        using var wc = weight?.ContiguousNoGrad();
        using var bc = bias?.ContiguousNoGrad();
        var y = Tensor.Empty(x.Shape, x.Device);
        var mean = Tensor.Empty([channels], x.Device);
        var var = Tensor.Empty([channels], x.Device);
        x.Backend.BatchNormLeakyReluForwardTraining(xc, wc, bc, runningMean, runningVar, momentum, eps, slope, y, mean, var);
        Tensor[] inputs = [x, .. weight == null ? [] : new[] { weight }, .. bias == null ? [] : new[] { bias }];

        return Graph.RecordOwning("batch_norm_leaky_relu", y, inputs, [mean, var], gy => BatchNormGradients(x, gy, weight, bias,
            (xs, g, w, gx, gWeight, gBias) => x.Backend.BatchNormLeakyReluBackward(xs, y, g, mean, var, w, eps, slope, gx, gWeight, gBias)));
    }

    /// <summary>A batch-norm backward kernel given contiguous x, gy and weight, writing the gradients that are not null.</summary>
    delegate void BatchNormGradKernel(Tensor x, Tensor gy, Tensor? weight, Tensor? gx, Tensor? gWeight, Tensor? gBias);

    /// <summary>
    /// The backward of a batch-norm op: the gradients its inputs want (x, then weight and bias when given), made and
    /// filled by <paramref name="kernel"/>, in the order the op's inputs were recorded.
    /// </summary>
    static Tensor?[] BatchNormGradients(Tensor x, Tensor gy, Tensor? weight, Tensor? bias, BatchNormGradKernel kernel)
    {
        int[] channels = [x.Shape[1]];
        using var xs = x.ContiguousNoGrad();
        using var g = gy.ContiguousNoGrad();
        using var w = weight?.ContiguousNoGrad();
        var gx = x.RequiresGrad ? Tensor.Empty(x.Shape, x.Device) : null;
        var gWeight = weight is { RequiresGrad: true } ? Tensor.Empty(channels, x.Device) : null;
        var gBias = bias is { RequiresGrad: true } ? Tensor.Empty(channels, x.Device) : null;
        kernel(xs, g, w, gx, gWeight, gBias);
        return [gx, .. weight == null ? [] : new[] { gWeight }, .. bias == null ? [] : new[] { gBias }];
    }

    static void CheckBatchNormArguments(Tensor x, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias, bool training)
    {
        const string op = "BatchNorm2d";
        CheckRank(op, x, 4, "input (N, C, H, W)");
        if ((runningMean == null) != (runningVar == null))
            throw new ArgumentException($"{op}: give both running statistics or neither (running mean {(runningMean == null ? "null" : "given")}, running var {(runningVar == null ? "null" : "given")}).");
        if (!training && runningMean == null)
            throw new ArgumentException($"{op}: eval mode normalises with the running statistics, but none were given (input {Tensor.ShapeString(x.Shape)}).");
        if (training && (long)x.Shape[0] * x.Shape[2] * x.Shape[3] <= 1)
            throw new ArgumentException($"{op}: training needs more than one value per channel, got input {Tensor.ShapeString(x.Shape)}.");
        CheckChannelVector(op, x, runningMean, "running mean");
        CheckChannelVector(op, x, runningVar, "running var");
        CheckChannelVector(op, x, weight, "weight");
        CheckChannelVector(op, x, bias, "bias");
    }

    /// <summary>A per-channel parameter or statistic must be (C) for input (N, C, H, W), on the input's device.</summary>
    static void CheckChannelVector(string op, Tensor x, Tensor? v, string what)
    {
        if (v == null) return;
        if (v.Rank != 1 || v.Shape[0] != x.Shape[1])
            throw new ArgumentException($"{op}: {what} has shape {Tensor.ShapeString(v.Shape)}, expected [{x.Shape[1]}] for input {Tensor.ShapeString(x.Shape)}.");
        Tensor.CheckSameDevice(op, x, v);
    }
}
