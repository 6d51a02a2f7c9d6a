using DafL.Backends;
using DafL.Backends.Cuda.Kernels;

namespace DafL.Backends.Cuda;

/// <summary>
/// Fused optimizer steps, one launch per parameter tensor (SGD, Adam) or per Adam parameter group
/// (<c>adam_step_multi_f32</c>), with the CPU's (PyTorch's) operations and roundings element by element (optim.cu
/// calls fmaf exactly where the CPU fuses), so a step equals the CPU's bit for bit.
/// </summary>
public sealed unsafe partial class CudaBackend
{
    /// <summary>adam_step_multi_f32's chunk: elements a block updates before it moves to its next chunk. Any length
    /// gives the same bits (elements are independent); 16 per thread (reasoned, not timed) spreads the generator's
    /// l1 weight over about 200 blocks while a few-element tensor still costs only one block.</summary>
    const long AdamMultiChunk = 16 * CudaKernels.Threads;

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

    /// <summary>
    /// The group in one adam_step_multi_f32 launch: the table of tensors (addresses, lengths, scalars) is the kernel's
    /// by-value parameter, so nothing is uploaded and stream capture records it as it is. Kernel parameters are
    /// limited to 4 KiB, so a table holds <see cref="DeviceAdamMultiTable.Capacity"/> tensors, and a group larger
    /// than that takes one launch per table's worth (as PyTorch's multi_tensor_apply does). Empty tensors are left out.
    /// </summary>
    public void AdamStepMulti(Tensor[] param, Tensor[] grad, Tensor[] expAvg, Tensor[] expAvgSq, AdamScalars[] scalars)
    {
        const string op = nameof(AdamStepMulti);
        if (grad.Length != param.Length || expAvg.Length != param.Length || expAvgSq.Length != param.Length || scalars.Length != param.Length)
            throw new ArgumentException($"{op}: the lists differ in length ({param.Length} parameters, {grad.Length} gradients, " +
                $"{expAvg.Length} first and {expAvgSq.Length} second moments, {scalars.Length} sets of scalars).");
        DeviceAdamMultiTable table = default;
        int count = 0;
        long chunks = 0;
        for (int i = 0; i < param.Length; i++)
        {
            SameElementCount(op, param[i], grad[i]);
            SameElementCount(op, param[i], expAvg[i]);
            SameElementCount(op, param[i], expAvgSq[i]);
            var (p, g, m, v) = (Address(param[i], op), Address(grad[i], op), Address(expAvg[i], op), Address(expAvgSq[i], op));
            long n = param[i].Numel;
            if (n == 0) continue;
            var s = scalars[i];
            table[count++] = new DeviceAdamMultiTensor
            {
                Param = p.Address, Grad = g.Address, M = m.Address, V = v.Address, N = n, FirstChunk = chunks,
                Beta1 = s.Beta1, OneMinusBeta1 = s.OneMinusBeta1, Beta2 = s.Beta2, OneMinusBeta2 = s.OneMinusBeta2,
                WeightDecay = s.WeightDecay, NegStepSize = s.NegStepSize, BiasCorrection2Sqrt = s.BiasCorrection2Sqrt, Eps = s.Eps,
            };
            chunks += (n + AdamMultiChunk - 1) / AdamMultiChunk;
            if (count < DeviceAdamMultiTable.Capacity) continue;
            _kernels.LaunchPerItem(Kernel.AdamStepMulti, chunks, KernelArgument.Struct(&table), count, chunks, AdamMultiChunk);
            (count, chunks) = (0, 0);
        }
        if (count > 0) _kernels.LaunchPerItem(Kernel.AdamStepMulti, chunks, KernelArgument.Struct(&table), count, chunks, AdamMultiChunk);
    }
}
