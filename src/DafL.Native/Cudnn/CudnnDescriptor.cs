namespace DafL.Native;

/// <summary>
/// A cuDNN descriptor: host memory describing a tensor, filter, convolution or pooling, created and destroyed
/// through cuDNN (no device or context involved).
/// </summary>
public abstract class CudnnDescriptor : IDisposable
{
    bool _disposed;

    /// <summary>The cuDNN descriptor handle.</summary>
    internal nint Handle { get; }

    private protected CudnnDescriptor(nint handle) => Handle = handle;

    /// <summary>Calls the descriptor type's destroy function.</summary>
    private protected abstract void Destroy();

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Destroy();
    }
}
