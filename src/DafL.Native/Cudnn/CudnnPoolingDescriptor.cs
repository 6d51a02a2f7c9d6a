namespace DafL.Native;

/// <summary>A 2-d pooling: mode, window, padding, stride, NaN handling.</summary>
public sealed unsafe class CudnnPoolingDescriptor : CudnnDescriptor
{
    CudnnPoolingDescriptor(nint handle) : base(handle) { }

    /// <summary>Creates a 2-d pooling descriptor.</summary>
    public static CudnnPoolingDescriptor Create2d(CudnnPoolingMode mode, int windowH, int windowW,
        int padH, int padW, int strideH, int strideW, CudnnNanPropagation nan = CudnnNanPropagation.NotPropagate)
    {
        if (windowH <= 0 || windowW <= 0 || padH < 0 || padW < 0 || strideH <= 0 || strideW <= 0)
            throw new ArgumentException($"cuDNN pooling descriptor: window ({windowH}, {windowW}) and stride ({strideH}, {strideW}) must be > 0, padding ({padH}, {padW}) ≥ 0.");
        var api = Cudnn.Api;
        return Create(api.cudnnCreatePoolingDescriptor, created => new CudnnPoolingDescriptor(created), handle =>
            CudnnStatus.Check(api.cudnnSetPooling2dDescriptor(handle, (int)mode, (int)nan, windowH, windowW, padH, padW, strideH, strideW)));
    }

    private protected override void Destroy() => CudnnStatus.Check(Cudnn.Api.cudnnDestroyPoolingDescriptor(Handle));
}
