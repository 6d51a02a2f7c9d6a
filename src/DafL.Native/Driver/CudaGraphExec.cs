namespace DafL.Native;

/// <summary>An instantiated graph: launching it replays the captured work with one call.</summary>
public sealed unsafe class CudaGraphExec : IDisposable
{
    readonly CudaContext _context;
    bool _disposed;

    internal nint Handle { get; }

    internal CudaGraphExec(CudaContext context, nint handle)
    {
        _context = context;
        Handle = handle;
    }

    /// <summary>Queues the whole graph on <paramref name="stream"/>.</summary>
    public void Launch(CudaStream stream)
    {
        _context.MakeCurrent();
        DriverStatus.Check(Cuda.Api.cuGraphLaunch(Handle, stream.Handle));
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _context.MakeCurrent();
        DriverStatus.Check(Cuda.Api.cuGraphExecDestroy(Handle));
    }
}
