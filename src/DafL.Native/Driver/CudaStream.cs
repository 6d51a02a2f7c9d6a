namespace DafL.Native;

/// <summary>How a stream capture treats unsafe calls from other threads (CUstreamCaptureMode).</summary>
public enum StreamCaptureMode
{
    /// <summary>Unsafe calls from any thread fail while any thread captures in this mode.</summary>
    Global = 0,
    /// <summary>Only the capturing thread's unsafe calls fail.</summary>
    ThreadLocal = 1,
    /// <summary>No unsafe calls are prohibited.</summary>
    Relaxed = 2,
}

/// <summary>
/// A queue of device work. <see cref="Default"/> is the legacy default stream (handle 0), which synchronises
/// with every other blocking stream; <see cref="Create"/> makes non-blocking streams by default, which do not.
/// Work on a stream can be captured into a <see cref="CudaGraph"/> (not on the legacy default stream).
/// Every call first makes the stream's context current on the calling thread.
/// </summary>
public sealed unsafe class CudaStream : IDisposable
{
    const uint NonBlockingFlag = 1; // CU_STREAM_NON_BLOCKING

    readonly CudaContext _context;
    readonly bool _owned;
    bool _disposed;

    /// <summary>The driver's CUstream handle (also a cudaStream_t for cuBLAS and cuDNN).</summary>
    internal nint Handle { get; }

    CudaStream(CudaContext context, nint handle, bool owned)
    {
        _context = context;
        Handle = handle;
        _owned = owned;
    }

    /// <summary>The legacy default stream of <paramref name="context"/>; disposing it does nothing.</summary>
    public static CudaStream Default(CudaContext context) => new(context, 0, owned: false);

    /// <summary>Creates a stream in <paramref name="context"/>.</summary>
    public static CudaStream Create(CudaContext context, bool nonBlocking = true)
    {
        context.MakeCurrent();
        nint handle;
        DriverStatus.Check(Cuda.Api.cuStreamCreate(&handle, nonBlocking ? NonBlockingFlag : 0));
        return new CudaStream(context, handle, owned: true);
    }

    /// <summary>Waits until everything queued on the stream has run.</summary>
    public void Synchronize()
    {
        _context.MakeCurrent();
        DriverStatus.Check(Cuda.Api.cuStreamSynchronize(Handle));
    }

    /// <summary>Makes later work on this stream wait until <paramref name="recorded"/> has happened.</summary>
    public void Wait(CudaEvent recorded)
    {
        _context.MakeCurrent();
        DriverStatus.Check(Cuda.Api.cuStreamWaitEvent(Handle, recorded.Handle, 0));
    }

    /// <summary>Starts recording the work queued on this stream into a graph instead of running it.</summary>
    public void BeginCapture(StreamCaptureMode mode = StreamCaptureMode.Global)
    {
        _context.MakeCurrent();
        DriverStatus.Check(Cuda.Api.cuStreamBeginCapture_v2(Handle, (int)mode));
    }

    /// <summary>Ends a capture begun on this thread and returns the recorded graph.</summary>
    public CudaGraph EndCapture()
    {
        _context.MakeCurrent();
        nint graph;
        DriverStatus.Check(Cuda.Api.cuStreamEndCapture(Handle, &graph));
        return new CudaGraph(_context, graph);
    }

    /// <summary>Destroys the stream; work already queued still runs.</summary>
    public void Dispose()
    {
        if (_disposed || !_owned) return;
        _disposed = true;
        _context.MakeCurrent();
        DriverStatus.Check(Cuda.Api.cuStreamDestroy_v2(Handle));
    }
}
