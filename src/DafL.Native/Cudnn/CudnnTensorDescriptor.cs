namespace DafL.Native;

/// <summary>A packed 4-d tensor layout: (N, C, H, W) in NCHW (row-major, PyTorch's) or NHWC order.</summary>
public sealed unsafe class CudnnTensorDescriptor : CudnnDescriptor
{
    CudnnTensorDescriptor(nint handle) : base(handle) { }

    /// <summary>Creates the descriptor of a packed (N, C, H, W) tensor.</summary>
    public static CudnnTensorDescriptor Create4d(int n, int c, int h, int w,
        CudnnDataType dataType = CudnnDataType.Float, CudnnTensorFormat format = CudnnTensorFormat.Nchw)
    {
        if (n <= 0 || c <= 0 || h <= 0 || w <= 0)
            throw new ArgumentException($"cuDNN tensor descriptor: shape ({n}, {c}, {h}, {w}) must be positive.");
        var api = Cudnn.Api;
        return Create(api.cudnnCreateTensorDescriptor, created => new CudnnTensorDescriptor(created), handle =>
            CudnnStatus.Check(api.cudnnSetTensor4dDescriptor(handle, (int)format, (int)dataType, n, c, h, w)));
    }

    /// <summary>
    /// The (1, C, 1, 1) descriptor that batch norm's scale, bias, mean and variance use for input
    /// <paramref name="x"/> in the given mode (cudnnDeriveBNTensorDescriptor).
    /// </summary>
    public static CudnnTensorDescriptor DeriveBatchNorm(CudnnTensorDescriptor x, CudnnBatchNormMode mode)
    {
        var api = Cudnn.Api;
        return Create(api.cudnnCreateTensorDescriptor, created => new CudnnTensorDescriptor(created), handle =>
            CudnnStatus.Check(api.cudnnDeriveBNTensorDescriptor(handle, x.Handle, (int)mode)));
    }

    private protected override void Destroy() => CudnnStatus.Check(Cudnn.Api.cudnnDestroyTensorDescriptor(Handle));
}
