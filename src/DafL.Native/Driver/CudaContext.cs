namespace DafL.Native;

/// <summary>
/// A device's primary context: the one cuBLAS and cuDNN (through the CUDA runtime) also use, so that handles,
/// streams and memory from all of them mix. A CUDA context is current per CPU thread, and .NET moves work between
/// threads (thread pool, test runners, async continuations), so every wrapper here calls <see cref="MakeCurrent"/>
/// before it calls the driver; MakeCurrent remembers, per thread, which context it made current, so the repeat is
/// a comparison. Retaining does not make a context current (a retain leaves cuCtxGetCurrent at null), so
/// <see cref="RetainPrimary"/> does that too, for the calling thread.
/// </summary>
public sealed unsafe partial class CudaContext : IDisposable
{
    /// <summary>Tells two contexts apart even if the driver reuses a handle after a release.</summary>
    static long _generations;

    [ThreadStatic] static nint _currentHandle;
    [ThreadStatic] static long _currentGeneration;

    readonly long _generation;
    bool _disposed;

    /// <summary>The device the context belongs to.</summary>
    public CudaDevice Device { get; }

    /// <summary>The driver's CUcontext handle.</summary>
    internal nint Handle { get; }

    CudaContext(CudaDevice device, nint handle)
    {
        Device = device;
        Handle = handle;
        _generation = Interlocked.Increment(ref _generations);
    }

    /// <summary>Retains the device's primary context and makes it current on the calling thread.</summary>
    public static CudaContext RetainPrimary(CudaDevice device)
    {
        nint handle;
        DriverStatus.Check(Cuda.Api.cuDevicePrimaryCtxRetain(&handle, device.Handle));
        var context = new CudaContext(device, handle);
        context.MakeCurrent();
        return context;
    }

    /// <summary>
    /// Makes this context current on the calling thread; costs a thread-local comparison when it already is.
    /// Assumes nothing else on the thread switches to another context behind our back (cuBLAS and cuDNN use the
    /// current one, which is this one).
    /// </summary>
    public void MakeCurrent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_currentHandle == Handle && _currentGeneration == _generation) return;
        DriverStatus.Check(Cuda.Api.cuCtxSetCurrent(Handle));
        _currentHandle = Handle;
        _currentGeneration = _generation;
    }

    /// <summary>Waits until all work in the context has finished; a failed kernel's error surfaces here.</summary>
    public void Synchronize()
    {
        MakeCurrent();
        DriverStatus.Check(Cuda.Api.cuCtxSynchronize());
    }

    /// <summary>Releases the primary context (the driver destroys it when the last retain is released).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_currentGeneration == _generation) _currentHandle = 0;
        DriverStatus.Check(Cuda.Api.cuDevicePrimaryCtxRelease_v2(Device.Handle));
    }
}
