using DafL.Backends.Cuda.Kernels;

namespace DafL.Backends.Cuda;

/// <summary>
/// Batch norm fused with LeakyReLU, composed from the kernels the unfused ops use: cuDNN's training forward, then
/// <c>leaky_relu_forward_f32</c> in place on y; the backward runs <c>leaky_relu_backward_f32</c> with the mask read
/// from y (for slope ≥ 0, y &gt; 0 exactly where batch norm's output is) into scratch, then cuDNN's backward on it.
/// So the fused op equals the unfused pair here too, and its graph keeps no tensor between the two.
/// </summary>
public sealed partial class CudaBackend
{
    public void BatchNormLeakyReluForwardTraining(Tensor x, Tensor? weight, Tensor? bias, Tensor? runningMean, Tensor? runningVar,
        float momentum, float eps, float slope, Tensor y, Tensor saveMean, Tensor saveVar)
    {
        const string op = nameof(BatchNormLeakyReluForwardTraining);
        SameElementCount(op, x, y);
        BatchNormForwardTraining(x, weight, bias, runningMean, runningVar, momentum, eps, y, saveMean, saveVar);
        var py = Address(y, op);
        _kernels.LaunchGridStride(Kernel.LeakyReluForward, y.Numel, py, py, y.Numel, slope);
    }

    public void BatchNormLeakyReluBackward(Tensor x, Tensor y, Tensor gy, Tensor mean, Tensor var, Tensor? weight, float eps, float slope,
        Tensor? gx, Tensor? gWeight, Tensor? gBias)
    {
        const string op = nameof(BatchNormLeakyReluBackward);
        SameElementCount(op, x, y);
        SameElementCount(op, x, gy);
        using var gz = Scratch(x.Numel);
        _kernels.LaunchGridStride(Kernel.LeakyReluBackward, x.Numel, Address(y, op), Address(gy, op), gz.Pointer, x.Numel, slope);
        BatchNormBackward(op, x, gz.Pointer, mean, var, weight, eps, training: true, gx, gWeight, gBias);
    }
}
