namespace DafL.Native;

/// <summary>
/// A cuDNN handle, bound to the context it was created in (each call makes it current first). alpha and beta are
/// host floats blending the result into the output: y = α·op(…) + β·y (β = 0 overwrites, 1 accumulates).
/// Device memory arguments are <see cref="DevicePointer"/>s whose layout the descriptors give.
/// </summary>
public sealed unsafe partial class CudnnHandle : LibraryHandle
{
    CudnnHandle(CudaContext context, nint handle) : base(context, handle) { }

    /// <summary>Creates a handle in <paramref name="context"/>.</summary>
    public static CudnnHandle Create(CudaContext context)
    {
        var api = Cudnn.Api;
        context.MakeCurrent();
        nint handle;
        CudnnStatus.Check(api.cudnnCreate(&handle));
        return new CudnnHandle(context, handle);
    }

    /// <summary>Queues later calls on <paramref name="stream"/>.</summary>
    public void SetStream(CudaStream stream)
    {
        Enter();
        CudnnStatus.Check(Cudnn.Api.cudnnSetStream(Handle, stream.Handle));
    }

    private protected override void Destroy() => CudnnStatus.Check(Cudnn.Api.cudnnDestroy(Handle));
}
