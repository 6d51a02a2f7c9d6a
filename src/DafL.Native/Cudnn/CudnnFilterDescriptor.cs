namespace DafL.Native;

/// <summary>A convolution filter layout: (K output channels, C input channels, H, W), PyTorch's weight order in NCHW.</summary>
public sealed unsafe class CudnnFilterDescriptor : CudnnDescriptor
{
    CudnnFilterDescriptor(nint handle) : base(handle) { }

    /// <summary>Creates the descriptor of a (K, C, H, W) filter.</summary>
    public static CudnnFilterDescriptor Create4d(int k, int c, int h, int w,
        CudnnDataType dataType = CudnnDataType.Float, CudnnTensorFormat format = CudnnTensorFormat.Nchw)
    {
        if (k <= 0 || c <= 0 || h <= 0 || w <= 0)
            throw new ArgumentException($"cuDNN filter descriptor: shape ({k}, {c}, {h}, {w}) must be positive.");
        var api = Cudnn.Api;
        return Create(api.cudnnCreateFilterDescriptor, created => new CudnnFilterDescriptor(created), handle =>
        {
            // Data type before format here, the other way round from cudnnSetTensor4dDescriptor.
            CudnnStatus.Check(api.cudnnSetFilter4dDescriptor(handle, (int)dataType, (int)format, k, c, h, w));
        });
    }

    private protected override void Destroy() => CudnnStatus.Check(Cudnn.Api.cudnnDestroyFilterDescriptor(Handle));
}
