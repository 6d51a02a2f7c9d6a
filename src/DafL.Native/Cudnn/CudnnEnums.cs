namespace DafL.Native;

// Values from the cuDNN 9.6.0 headers (cudnn_graph.h, cudnn_ops.h). cuDNN 9 keeps the legacy enums' numbers;
// it renumbered only cudnnStatus_t (see CudnnStatus).

/// <summary>cudnnDataType_t (the ones used here).</summary>
public enum CudnnDataType
{
    Float = 0,
    Double = 1,
    Half = 2,
    BFloat16 = 9,
}

/// <summary>cudnnTensorFormat_t.</summary>
public enum CudnnTensorFormat
{
    /// <summary>Row-major N, C, H, W: PyTorch's default layout.</summary>
    Nchw = 0,
    Nhwc = 1,
}

/// <summary>cudnnConvolutionMode_t. PyTorch's Conv2d is cross-correlation (the filter is not flipped).</summary>
public enum CudnnConvolutionMode
{
    Convolution = 0,
    CrossCorrelation = 1,
}

/// <summary>cudnnMathType_t.</summary>
public enum CudnnMathType
{
    /// <summary>cuDNN's default; per NVIDIA's documentation it permits TF32 tensor cores for FP32 data on Ampere and later.</summary>
    Default = 0,
    /// <summary>Tensor-core kernels allowed.</summary>
    TensorOp = 1,
    TensorOpAllowConversion = 2,
    /// <summary>FMA kernels only: no tensor cores, no TF32 (what PyTorch asks for when TF32 is off).</summary>
    Fma = 3,
}

/// <summary>cudnnBatchNormMode_t.</summary>
public enum CudnnBatchNormMode
{
    /// <summary>One mean and variance per C·H·W element, over N.</summary>
    PerActivation = 0,
    /// <summary>One mean and variance per channel, over N·H·W: BatchNorm2d.</summary>
    Spatial = 1,
    SpatialPersistent = 2,
}

/// <summary>cudnnPoolingMode_t.</summary>
public enum CudnnPoolingMode
{
    Max = 0,
    AverageCountIncludePadding = 1,
    AverageCountExcludePadding = 2,
    MaxDeterministic = 3,
}

/// <summary>cudnnNanPropagation_t (its values are marked deprecated in cuDNN 9.6 but still taken).</summary>
public enum CudnnNanPropagation
{
    NotPropagate = 0,
    Propagate = 1,
}

/// <summary>cudnnConvolutionFwdAlgo_t.</summary>
public enum ConvolutionForwardAlgorithm
{
    ImplicitGemm = 0,
    ImplicitPrecompGemm = 1,
    Gemm = 2,
    Direct = 3,
    Fft = 4,
    FftTiling = 5,
    Winograd = 6,
    WinogradNonfused = 7,
}

/// <summary>cudnnConvolutionBwdDataAlgo_t.</summary>
public enum ConvolutionBackwardDataAlgorithm
{
    /// <summary>Non-deterministic.</summary>
    Algo0 = 0,
    Algo1 = 1,
    Fft = 2,
    FftTiling = 3,
    Winograd = 4,
    WinogradNonfused = 5,
}

/// <summary>cudnnConvolutionBwdFilterAlgo_t.</summary>
public enum ConvolutionBackwardFilterAlgorithm
{
    /// <summary>Non-deterministic.</summary>
    Algo0 = 0,
    Algo1 = 1,
    Fft = 2,
    /// <summary>Non-deterministic.</summary>
    Algo3 = 3,
    /// <summary>Not implemented by cuDNN.</summary>
    Winograd = 4,
    WinogradNonfused = 5,
    FftTiling = 6,
}
