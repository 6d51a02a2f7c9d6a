namespace DafL.Native;

/// <summary>A marker in a stream, to wait for or to time between (with timing enabled).</summary>
public sealed unsafe class CudaEvent : IDisposable
{
    const uint DisableTimingFlag = 2; // CU_EVENT_DISABLE_TIMING

    readonly CudaContext _context;
    bool _disposed;

    /// <summary>The driver's CUevent handle.</summary>
    internal nint Handle { get; }

    CudaEvent(CudaContext context, nint handle)
    {
        _context = context;
        Handle = handle;
    }

    /// <summary>Creates an event; without timing it is cheaper to record and wait on.</summary>
    public static CudaEvent Create(CudaContext context, bool timing = true)
    {
        context.MakeCurrent();
        nint handle;
        DriverStatus.Check(Cuda.Api.cuEventCreate(&handle, timing ? 0 : DisableTimingFlag));
        return new CudaEvent(context, handle);
    }

    /// <summary>Records the event at the current end of <paramref name="stream"/>.</summary>
    public void Record(CudaStream stream)
    {
        _context.MakeCurrent();
        DriverStatus.Check(Cuda.Api.cuEventRecord(Handle, stream.Handle));
    }

    /// <summary>Waits until the work before the recorded event has run.</summary>
    public void Synchronize()
    {
        _context.MakeCurrent();
        DriverStatus.Check(Cuda.Api.cuEventSynchronize(Handle));
    }

    /// <summary>Milliseconds between two recorded, completed timing events (about 0.5 µs resolution).</summary>
    public static float ElapsedMilliseconds(CudaEvent start, CudaEvent end)
    {
        start._context.MakeCurrent();
        float milliseconds;
        DriverStatus.Check(Cuda.Api.cuEventElapsedTime(&milliseconds, start.Handle, end.Handle));
        return milliseconds;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _context.MakeCurrent();
        DriverStatus.Check(Cuda.Api.cuEventDestroy_v2(Handle));
    }
}
