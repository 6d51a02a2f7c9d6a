namespace DafL.Native;

/// <summary>A 2-d convolution: padding, stride, dilation, mode, the arithmetic's data type, math type, groups.</summary>
public sealed unsafe class CudnnConvolutionDescriptor : CudnnDescriptor
{
    CudnnConvolutionDescriptor(nint handle) : base(handle) { }

    /// <summary>
    /// Creates a 2-d convolution descriptor. The defaults are PyTorch's Conv2d in FP32: cross-correlation, FP32
    /// accumulation, and <see cref="CudnnMathType.Fma"/> so that no TF32 rounding happens unless asked for.
    /// </summary>
    public static CudnnConvolutionDescriptor Create2d(int padH, int padW, int strideH, int strideW,
        int dilationH = 1, int dilationW = 1, CudnnConvolutionMode mode = CudnnConvolutionMode.CrossCorrelation,
        CudnnDataType computeType = CudnnDataType.Float, CudnnMathType mathType = CudnnMathType.Fma)
    {
        if (padH < 0 || padW < 0 || strideH <= 0 || strideW <= 0 || dilationH <= 0 || dilationW <= 0)
            throw new ArgumentException($"cuDNN convolution descriptor: padding ({padH}, {padW}) must be ≥ 0, stride ({strideH}, {strideW}) and dilation ({dilationH}, {dilationW}) > 0.");
        var api = Cudnn.Api;
        return Create(api.cudnnCreateConvolutionDescriptor, created => new CudnnConvolutionDescriptor(created), handle =>
        {
            CudnnStatus.Check(api.cudnnSetConvolution2dDescriptor(handle, padH, padW, strideH, strideW, dilationH, dilationW, (int)mode, (int)computeType));
            CudnnStatus.Check(api.cudnnSetConvolutionMathType(handle, (int)mathType));
        });
    }

    /// <summary>Sets the math type (e.g. <see cref="CudnnMathType.TensorOp"/> to allow TF32).</summary>
    public void SetMathType(CudnnMathType mathType) => CudnnStatus.Check(Cudnn.Api.cudnnSetConvolutionMathType(Handle, (int)mathType));

    /// <summary>Splits channels into groups (1 = ordinary convolution).</summary>
    public void SetGroupCount(int groups)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        CudnnStatus.Check(Cudnn.Api.cudnnSetConvolutionGroupCount(Handle, groups));
    }

    private protected override void Destroy() => CudnnStatus.Check(Cudnn.Api.cudnnDestroyConvolutionDescriptor(Handle));
}
