using DafL.Backends.Cuda.Kernels;
using DafL.Native;

namespace DafL.Backends.Cuda;

/// <summary>
/// Batch norm through cuDNN in spatial mode (statistics per channel over N·H·W, BatchNorm2d's).
/// <list type="bullet">
/// <item>Saved statistics: cuDNN saves the mean and 1/√(var + ε); the contract saves the mean and the biased
/// variance and hands that back to the backward. The forward lets cuDNN write the mean straight into saveMean and
/// converts its inverse standard deviation with <c>batch_norm_var_from_inv_std_f32</c>; the backward recomputes
/// 1/√(var + ε) with <c>batch_norm_inv_std_f32</c> (the CPU's formula) for cuDNN.</item>
/// <item>Running statistics: cuDNN's exponentialAverageFactor is PyTorch's momentum, running = (1 − m)·running +
/// m·batch, with the unbiased variance, as the contract says.</item>
/// <item>No affine (weight, bias null): cuDNN always scales and shifts, so it gets per-channel ones and zeros,
/// made once per channel count.</item>
/// <item>ε: cuDNN needs ε ≥ CUDNN_BN_MIN_EPSILON, which is 0 in cuDNN 9; a negative ε is refused.</item>
/// <item>Eval-mode backward (statistics are constants) has no cuDNN call: gx = gy·w/√(var + ε) is cuDNN's inference
/// forward applied to gy with mean 0 and bias 0; gbias and gweight = Σ gy·x̂ are the per-channel float64 sums.</item>
/// </list>
/// </summary>
public sealed partial class CudaBackend
{
    /// <summary>CUDNN_BN_MIN_EPSILON in cuDNN 9's headers.</summary>
    const double CudnnBatchNormMinEpsilon = 0.0;

    readonly Dictionary<(int N, int C, int H, int W), (CudnnTensorDescriptor X, CudnnTensorDescriptor Channels)> _normDescriptors = [];
    readonly Dictionary<int, (DevicePointer Ones, DevicePointer Zeros, long Capacity)> _normConstants = [];

    public void BatchNormForwardTraining(Tensor x, Tensor? weight, Tensor? bias, Tensor? runningMean, Tensor? runningVar,
        float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveVar)
    {
        const string op = nameof(BatchNormForwardTraining);
        CheckEpsilon(op, eps);
        var px = Address(x, op);
        var py = Address(y, op);
        var pMean = Address(saveMean, op);
        var pVar = Address(saveVar, op);
        var pRunningMean = OptionalAddress(runningMean, op);
        var pRunningVar = OptionalAddress(runningVar, op);
        int channels = x.Shape[1];
        if (x.Numel == 0)
            throw new ArgumentException($"{op}: input {Tensor.ShapeString(x.Shape)} is empty, so it has no batch statistics.");
        var (xd, cd) = NormDescriptors(x.Shape);
        var (scale, shift) = AffineOrIdentity(weight, bias, channels, op);
        using var invStd = Scratch(channels);
        // cuDNN updates both running statistics or neither: a lone one gets a throwaway partner.
        using var spare = Scratch(channels);
        if (pRunningMean.IsNull != pRunningVar.IsNull)
        {
            if (pRunningMean.IsNull) pRunningMean = spare.Pointer;
            else pRunningVar = spare.Pointer;
        }
        _cudnn.BatchNormForwardTraining(CudnnBatchNormMode.Spatial, 1f, 0f, xd, px, xd, py, cd, scale, shift, momentum,
            pRunningMean, pRunningVar, eps, pMean, invStd.Pointer);
        _kernels.LaunchGridStride(Kernel.BatchNormVarFromInvStd, channels, invStd.Pointer, pVar, (long)channels, eps);
    }

    public void BatchNormForwardInference(Tensor x, Tensor mean, Tensor var, Tensor? weight, Tensor? bias, float eps, Tensor y)
    {
        const string op = nameof(BatchNormForwardInference);
        CheckEpsilon(op, eps);
        var px = Address(x, op);
        var py = Address(y, op);
        var pm = Address(mean, op);
        var pv = Address(var, op);
        if (x.Numel == 0) return;
        var (xd, cd) = NormDescriptors(x.Shape);
        var (scale, shift) = AffineOrIdentity(weight, bias, x.Shape[1], op);
        _cudnn.BatchNormForwardInference(CudnnBatchNormMode.Spatial, 1f, 0f, xd, px, xd, py, cd, scale, shift, pm, pv, eps);
    }

    public void BatchNormBackward(Tensor x, Tensor gy, Tensor mean, Tensor var, Tensor? weight, float eps, bool training,
        Tensor? gx, Tensor? gWeight, Tensor? gBias)
    {
        const string op = nameof(BatchNormBackward);
        CheckEpsilon(op, eps);
        var px = Address(x, op);
        var pgy = Address(gy, op);
        var pm = Address(mean, op);
        var pv = Address(var, op);
        var pgx = OptionalAddress(gx, op);
        var pgw = OptionalAddress(gWeight, op);
        var pgb = OptionalAddress(gBias, op);
        int n = x.Shape[0], channels = x.Shape[1];
        long plane = (long)x.Shape[2] * x.Shape[3];
        if (gx is null && gWeight is null && gBias is null) return;
        if (x.Numel == 0)
        {
            // No elements: the parameter gradients are empty sums.
            if (gWeight is not null) Fill(gWeight, 0f);
            if (gBias is not null) Fill(gBias, 0f);
            return;
        }
        var (xd, cd) = NormDescriptors(x.Shape);
        var (scale, zeros) = AffineOrIdentity(weight, null, channels, op);
        if (training)
        {
            using var invStd = Scratch(channels);
            using var dx = Scratch(pgx.IsNull ? x.Numel : 0);
            using var dScale = Scratch(channels);
            using var dBias = Scratch(channels);
            _kernels.LaunchGridStride(Kernel.BatchNormInvStd, channels, pv, invStd.Pointer, (long)channels, eps);
            _cudnn.BatchNormBackward(CudnnBatchNormMode.Spatial, 1f, 0f, 1f, 0f, xd, px, xd, pgy, xd, pgx.IsNull ? dx.Pointer : pgx,
                cd, scale, pgw.IsNull ? dScale.Pointer : pgw, pgb.IsNull ? dBias.Pointer : pgb, eps, pm, invStd.Pointer);
            return;
        }
        // Eval mode: mean and var are constants.
        if (!pgx.IsNull)
            _cudnn.BatchNormForwardInference(CudnnBatchNormMode.Spatial, 1f, 0f, xd, pgy, xd, pgx, cd, scale, zeros, zeros, pv, eps);
        if (!pgb.IsNull) ChannelSum(pgy, pgb, n, channels, plane, 1.0);
        if (pgw.IsNull) return;
        // gweight = Σ gy·x̂ with x̂ = (x − mean)/√(var + ε): x̂ by cuDNN's inference forward with scale 1 and shift 0.
        var (ones, _) = AffineOrIdentity(null, null, channels, op);
        using var product = Scratch(x.Numel);
        _cudnn.BatchNormForwardInference(CudnnBatchNormMode.Spatial, 1f, 0f, xd, px, xd, product.Pointer, cd, ones, zeros, pm, pv, eps);
        _kernels.LaunchGridStride(Kernel.Mul, x.Numel, product.Pointer, pgy, product.Pointer, x.Numel);
        ChannelSum(product.Pointer, pgw, n, channels, plane, 1.0);
    }

    static void CheckEpsilon(string op, float eps)
    {
        if (!(eps >= CudnnBatchNormMinEpsilon))
            throw new ArgumentException($"{op}: eps {eps} is below cuDNN's minimum (CUDNN_BN_MIN_EPSILON = {CudnnBatchNormMinEpsilon}).");
    }

    /// <summary>cuDNN's descriptors of x (N, C, H, W) and of its per-channel tensors (1, C, 1, 1), made once per shape.</summary>
    (CudnnTensorDescriptor X, CudnnTensorDescriptor Channels) NormDescriptors(int[] shape)
    {
        var key = (shape[0], shape[1], shape[2], shape[3]);
        if (_normDescriptors.TryGetValue(key, out var found)) return found;
        var x = CudnnTensorDescriptor.Create4d(shape[0], shape[1], shape[2], shape[3]);
        try
        {
            return _normDescriptors[key] = (x, CudnnTensorDescriptor.DeriveBatchNorm(x, CudnnBatchNormMode.Spatial));
        }
        catch
        {
            x.Dispose();
            throw;
        }
    }

    /// <summary>The scale and shift cuDNN gets: the given weight and bias, or ones and zeros of <paramref name="channels"/>.</summary>
    (DevicePointer Scale, DevicePointer Shift) AffineOrIdentity(Tensor? weight, Tensor? bias, int channels, string op)
    {
        DevicePointer ones = DevicePointer.Null, zeros = DevicePointer.Null;
        if (weight is null || bias is null)
        {
            if (!_normConstants.TryGetValue(channels, out var constants))
            {
                // Ones, then zeros from the next 256-byte boundary (cuDNN's vector loads like aligned operands).
                long stride = (channels + 63) / 64 * 64;
                var block = Allocator.Rent(2 * stride, out long capacity);
                constants = (block, block.Offset(stride * sizeof(float)), capacity);
                _kernels.LaunchGridStride(Kernel.Fill, channels, constants.Ones, (long)channels, 1f);
                _kernels.LaunchGridStride(Kernel.Fill, channels, constants.Zeros, (long)channels, 0f);
                _normConstants[channels] = constants;
            }
            (ones, zeros) = (constants.Ones, constants.Zeros);
        }
        return (weight is null ? ones : Address(weight, op), bias is null ? zeros : Address(bias, op));
    }

    void ReleaseNormConstants()
    {
        foreach (var (ones, _, capacity) in _normConstants.Values) Allocator.Return(ones, capacity);
        _normConstants.Clear();
    }

    void DisposeNormDescriptors()
    {
        foreach (var (x, channels) in _normDescriptors.Values)
        {
            channels.Dispose();
            x.Dispose();
        }
        _normDescriptors.Clear();
    }
}
