namespace DafL.Native;

/// <summary>
/// A handle of a CUDA library that works on the current context (cuBLAS, cuDNN), bound to the context it was created
/// in: every call enters through <see cref="Enter"/>, which makes that context current first, and disposing destroys
/// the handle there.
/// </summary>
public abstract class LibraryHandle : IDisposable
{
    readonly CudaContext _context;
    bool _disposed;

    private protected LibraryHandle(CudaContext context, nint handle)
    {
        _context = context;
        Handle = handle;
    }

    /// <summary>The library's handle.</summary>
    private protected nint Handle { get; }

    /// <summary>Refuses a disposed handle, then makes its context current.</summary>
    private protected void Enter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _context.MakeCurrent();
    }

    /// <summary>Calls the library's destroy function on <see cref="Handle"/> (its context is current).</summary>
    private protected abstract void Destroy();

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _context.MakeCurrent();
        Destroy();
    }
}
