using DafL.Backends;
using DafL.Backends.Cuda.Kernels;

namespace DafL.Backends.Cuda;

/// <summary>
/// Fused optimizer steps, one launch per parameter tensor, with the CPU's (PyTorch's) operations and roundings
/// element by element (optim.cu calls fmaf exactly where the CPU fuses), so a step equals the CPU's bit for bit.
/// </summary>
public sealed partial class CudaBackend
{
    public void SgdStep(Tensor param, Tensor grad, Tensor? momentumBuffer, SgdScalars s, bool firstStep)
    {
        const string op = nameof(SgdStep);
        SameElementCount(op, param, grad);
        if (momentumBuffer != null) SameElementCount(op, param, momentumBuffer);
        _kernels.LaunchGridStride(Kernel.SgdStep, param.Numel, Address(param, op), Address(grad, op), OptionalAddress(momentumBuffer, op),
            param.Numel, s.NegLr, s.Momentum, s.DampeningComplement, s.WeightDecay, s.Nesterov ? 1 : 0, firstStep ? 1 : 0);
    }

    public void AdamStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamScalars s)
    {
        const string op = nameof(AdamStep);
        SameElementCount(op, param, grad);
        SameElementCount(op, param, expAvg);
        SameElementCount(op, param, expAvgSq);
        _kernels.LaunchGridStride(Kernel.AdamStep, param.Numel, Address(param, op), Address(grad, op), Address(expAvg, op), Address(expAvgSq, op),
            param.Numel, s.Beta1, s.OneMinusBeta1, s.Beta2, s.OneMinusBeta2, s.WeightDecay, s.NegStepSize, s.BiasCorrection2Sqrt, s.Eps);
    }

    /// <summary>One adam_step_f32 launch per tensor (a multi-tensor kernel is left for later: launches are asynchronous,
    /// so the loop costs a launch each, not a round trip).</summary>
    public void AdamStepMulti(Tensor[] param, Tensor[] grad, Tensor[] expAvg, Tensor[] expAvgSq, AdamScalars[] scalars)
    {
        const string op = nameof(AdamStepMulti);
        if (grad.Length != param.Length || expAvg.Length != param.Length || expAvgSq.Length != param.Length || scalars.Length != param.Length)
            throw new ArgumentException($"{op}: the lists differ in length ({param.Length} parameters, {grad.Length} gradients, " +
                $"{expAvg.Length} first and {expAvgSq.Length} second moments, {scalars.Length} sets of scalars).");
        for (int i = 0; i < param.Length; i++) AdamStep(param[i], grad[i], expAvg[i], expAvgSq[i], scalars[i]);
    }
}
