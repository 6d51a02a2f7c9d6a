using DafL.Backends.Cuda.Kernels;
using DafL.Native;

namespace DafL.Backends.Cuda;

/// <summary>
/// Batch norm fused with LeakyReLU, training mode, in norm.cu's kernels rather than cuDNN (which writes its
/// normalised output itself, so the activation would take a pass of its own, and reads gy itself, so the mask would
/// need a gz tensor). Forward: the float first-pass mean by the channel sum into saveMean, shifted moments per channel
/// chunk in float64 (<c>batch_norm_moments_chunks_f32</c>), the statistics, running statistics and affine
/// coefficients per channel with the CPU's formulas (<c>batch_norm_statistics_finish_f32</c>), then normalise, affine
/// and LeakyReLU in one elementwise pass (<c>batch_norm_leaky_relu_forward_f32</c>); saveVar is the variance itself,
/// not a conversion of cuDNN's inverse standard deviation. Backward: gy is read through LeakyReLU's mask (taken from
/// y: for slope ≥ 0, y &gt; 0 exactly where batch norm's output is) wherever it is read, by
/// <c>batch_norm_leaky_relu_backward_chunks_f32</c> (Σgz and Σgz·(x − mean) per channel chunk in float64),
/// <c>…_finish_f32</c> (gBias, gWeight and the input gradient's coefficients) and <c>…_input_f32</c> (gx); no gz tensor
/// is made. Both equal the unfused composition (cuDNN's batch norm and the LeakyReLU kernels) within the conformance
/// table's Fp32 tolerance; cuDNN's ε minimum does not apply.
/// </summary>
public sealed partial class CudaBackend
{
    public void BatchNormLeakyReluForwardTraining(Tensor x, Tensor? weight, Tensor? bias, Tensor? runningMean, Tensor? runningVar,
        float momentum, float eps, float slope, Tensor y, Tensor saveMean, Tensor saveVar)
    {
        const string op = nameof(BatchNormLeakyReluForwardTraining);
        SameElementCount(op, x, y);
        var (px, py, pMean, pVar) = (Address(x, op), Address(y, op), Address(saveMean, op), Address(saveVar, op));
        var (pw, pb) = (OptionalAddress(weight, op), OptionalAddress(bias, op));
        var (pRunningMean, pRunningVar) = (OptionalAddress(runningMean, op), OptionalAddress(runningVar, op));
        if (x.Numel == 0)
            throw new ArgumentException($"{op}: input {Tensor.ShapeString(x.Shape)} is empty, so it has no batch statistics.");
        long n = x.Shape[0], channels = x.Shape[1], plane = (long)x.Shape[2] * x.Shape[3], count = n * plane;
        long chunks = (count + ChannelSumChunk - 1) / ChannelSumChunk;
        using var partials = Scratch(2 * 2 * channels * chunks); // two float64 sums per (channel, chunk)
        using var coefficients = Scratch(2 * channels);
        ChannelSum(px, pMean, n, channels, plane, 1.0 / count);
        LaunchChannelChunks(Kernel.BatchNormMomentsChunks, chunks, channels, px, pMean, partials.Pointer, n, channels, plane, ChannelSumChunk);
        _kernels.LaunchGridStride(Kernel.BatchNormStatisticsFinish, channels, partials.Pointer, chunks, pMean, pw, pb, pRunningMean, pRunningVar,
            pMean, pVar, coefficients.Pointer, channels, count, momentum, eps);
        _kernels.LaunchGridStride(Kernel.BatchNormLeakyReluForward, x.Numel, px, coefficients.Pointer, py, n, channels, plane, slope);
    }

    public void BatchNormLeakyReluBackward(Tensor x, Tensor y, Tensor gy, Tensor mean, Tensor var, Tensor? weight, float eps, float slope,
        Tensor? gx, Tensor? gWeight, Tensor? gBias)
    {
        const string op = nameof(BatchNormLeakyReluBackward);
        SameElementCount(op, x, y);
        SameElementCount(op, x, gy);
        var (px, py, pgy, pm, pv) = (Address(x, op), Address(y, op), Address(gy, op), Address(mean, op), Address(var, op));
        var pw = OptionalAddress(weight, op);
        var (pgx, pgw, pgb) = (OptionalAddress(gx, op), OptionalAddress(gWeight, op), OptionalAddress(gBias, op));
        if (gx is null && gWeight is null && gBias is null) return;
        if (x.Numel == 0)
        {
            // No elements: the parameter gradients are empty sums.
            if (gWeight is not null) Fill(gWeight, 0f);
            if (gBias is not null) Fill(gBias, 0f);
            return;
        }
        long n = x.Shape[0], channels = x.Shape[1], plane = (long)x.Shape[2] * x.Shape[3], count = n * plane;
        long chunks = (count + ChannelSumChunk - 1) / ChannelSumChunk;
        using var partials = Scratch(2 * 2 * channels * chunks); // two float64 sums per (channel, chunk)
        using var coefficients = Scratch(3 * channels);
        LaunchChannelChunks(Kernel.BatchNormLeakyReluBackwardChunks, chunks, channels, px, py, pgy, pm, partials.Pointer, n, channels, plane,
            ChannelSumChunk, slope);
        _kernels.LaunchGridStride(Kernel.BatchNormLeakyReluBackwardFinish, channels, partials.Pointer, chunks, pv, pw, pgw, pgb,
            coefficients.Pointer, channels, count, eps);
        if (!pgx.IsNull)
            _kernels.LaunchGridStride(Kernel.BatchNormLeakyReluBackwardInput, x.Numel, px, py, pgy, pm, coefficients.Pointer, pgx,
                n, channels, plane, slope);
    }

    /// <summary>A norm.cu chunk kernel: (chunks, channels) blocks of 256 threads (fixed, as the sums depend on it).</summary>
    void LaunchChannelChunks(string kernel, long chunks, long channels, params ReadOnlySpan<KernelArgument> arguments) =>
        _kernels.Launch(kernel, new Dim3((uint)Math.Min(chunks, int.MaxValue), (uint)Math.Min(channels, 65535)), new Dim3(CudaKernels.Threads), arguments);
}
