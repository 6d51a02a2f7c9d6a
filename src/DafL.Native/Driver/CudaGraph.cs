namespace DafL.Native;

/// <summary>A graph of device work recorded by stream capture; instantiate it to launch it.</summary>
public sealed unsafe class CudaGraph : IDisposable
{
    readonly CudaContext _context;
    bool _disposed;

    internal nint Handle { get; }

    internal CudaGraph(CudaContext context, nint handle)
    {
        _context = context;
        Handle = handle;
    }

    /// <summary>
    /// Builds the executable graph. <paramref name="autoFreeOnLaunch"/> (CUDA_GRAPH_INSTANTIATE_FLAG_AUTO_FREE_ON_LAUNCH)
    /// frees memory the graph allocated but did not free before each relaunch. The flags are 64-bit in the C API.
    /// </summary>
    public CudaGraphExec Instantiate(bool autoFreeOnLaunch = false)
    {
        _context.MakeCurrent();
        nint exec;
        DriverStatus.Check(Cuda.Api.cuGraphInstantiateWithFlags(&exec, Handle, autoFreeOnLaunch ? 1UL : 0UL));
        return new CudaGraphExec(_context, exec);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _context.MakeCurrent();
        DriverStatus.Check(Cuda.Api.cuGraphDestroy(Handle));
    }
}
