namespace DafL.Native;

/// <summary>
/// A cuDNN handle, bound to the context it was created in (each call makes it current first). alpha and beta are
/// host floats blending the result into the output: y = α·op(…) + β·y (β = 0 overwrites, 1 accumulates).
/// Device memory arguments are <see cref="DevicePointer"/>s whose layout the descriptors give.
/// </summary>
public sealed unsafe partial class CudnnHandle : IDisposable
{
    readonly CudaContext _context;
    readonly nint _handle;
    bool _disposed;

    CudnnHandle(CudaContext context, nint handle)
    {
        _context = context;
        _handle = handle;
    }

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
        CudnnStatus.Check(Cudnn.Api.cudnnSetStream(_handle, stream.Handle));
    }

    void Enter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _context.MakeCurrent();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _context.MakeCurrent();
        CudnnStatus.Check(Cudnn.Api.cudnnDestroy(_handle));
    }
}
