namespace DafL.Native;

/// <summary>
/// Batch normalisation (use <see cref="CudnnBatchNormMode.Spatial"/> for BatchNorm2d). Scale, bias, running and
/// saved statistics are (1, C, 1, 1) tensors described by <see cref="CudnnTensorDescriptor.DeriveBatchNorm"/>.
/// epsilon must be ≥ CUDNN_BN_MIN_EPSILON (0.0 in cuDNN 9) and the same in forward and backward.
/// </summary>
public sealed unsafe partial class CudnnHandle
{
    /// <summary>
    /// Training forward: normalises with the batch's statistics; updates running = (1 − f)·running + f·batch
    /// (<paramref name="exponentialAverageFactor"/> = f, PyTorch's momentum; cuDNN's header says f must be 1 on the
    /// first call of a training run to get a cumulative average); saves mean and 1/√(var + ε) for backward when
    /// given non-null buffers.
    /// </summary>
    public void BatchNormForwardTraining(CudnnBatchNormMode mode, float alpha, float beta,
        CudnnTensorDescriptor x, DevicePointer xData, CudnnTensorDescriptor y, DevicePointer yData,
        CudnnTensorDescriptor scaleBiasMeanVar, DevicePointer scale, DevicePointer bias, double exponentialAverageFactor,
        DevicePointer runningMean, DevicePointer runningVariance, double epsilon, DevicePointer saveMean, DevicePointer saveInvVariance)
    {
        Enter();
        CudnnStatus.Check(Cudnn.Api.cudnnBatchNormalizationForwardTraining(Handle, (int)mode, &alpha, &beta, x.Handle, xData.Native, y.Handle, yData.Native,
            scaleBiasMeanVar.Handle, scale.Native, bias.Native, exponentialAverageFactor, runningMean.Native, runningVariance.Native,
            epsilon, saveMean.Native, saveInvVariance.Native));
    }

    /// <summary>Inference forward: y = scale·(x − mean)/√(var + ε) + bias with the given (running) statistics.</summary>
    public void BatchNormForwardInference(CudnnBatchNormMode mode, float alpha, float beta,
        CudnnTensorDescriptor x, DevicePointer xData, CudnnTensorDescriptor y, DevicePointer yData,
        CudnnTensorDescriptor scaleBiasMeanVar, DevicePointer scale, DevicePointer bias,
        DevicePointer estimatedMean, DevicePointer estimatedVariance, double epsilon)
    {
        Enter();
        CudnnStatus.Check(Cudnn.Api.cudnnBatchNormalizationForwardInference(Handle, (int)mode, &alpha, &beta, x.Handle, xData.Native, y.Handle, yData.Native,
            scaleBiasMeanVar.Handle, scale.Native, bias.Native, estimatedMean.Native, estimatedVariance.Native, epsilon));
    }

    /// <summary>
    /// Backward: dx (blended by <paramref name="alphaData"/>, <paramref name="betaData"/>) and dScale, dBias (blended by
    /// <paramref name="alphaParameters"/>, <paramref name="betaParameters"/>: β = 1 accumulates into existing gradients).
    /// x, dy and dx share one layout. The saved statistics from the training forward may be null (cuDNN recomputes them).
    /// </summary>
    public void BatchNormBackward(CudnnBatchNormMode mode, float alphaData, float betaData, float alphaParameters, float betaParameters,
        CudnnTensorDescriptor x, DevicePointer xData, CudnnTensorDescriptor dy, DevicePointer dyData, CudnnTensorDescriptor dx, DevicePointer dxData,
        CudnnTensorDescriptor scaleBiasDiff, DevicePointer scale, DevicePointer dScale, DevicePointer dBias, double epsilon,
        DevicePointer savedMean, DevicePointer savedInvVariance)
    {
        Enter();
        CudnnStatus.Check(Cudnn.Api.cudnnBatchNormalizationBackward(Handle, (int)mode, &alphaData, &betaData, &alphaParameters, &betaParameters,
            x.Handle, xData.Native, dy.Handle, dyData.Native, dx.Handle, dxData.Native,
            scaleBiasDiff.Handle, scale.Native, dScale.Native, dBias.Native, epsilon, savedMean.Native, savedInvVariance.Native));
    }
}
