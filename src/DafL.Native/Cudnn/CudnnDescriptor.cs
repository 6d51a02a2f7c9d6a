using System.Runtime.CompilerServices;

namespace DafL.Native;

/// <summary>
/// A cuDNN descriptor: host memory describing a tensor, filter, convolution or pooling, created and destroyed
/// through cuDNN (no device or context involved).
/// </summary>
public abstract unsafe class CudnnDescriptor : IDisposable
{
    bool _disposed;

    /// <summary>The cuDNN descriptor handle.</summary>
    internal nint Handle { get; }

    private protected CudnnDescriptor(nint handle) => Handle = handle;

    /// <summary>
    /// Creates a descriptor with <paramref name="create"/>, wraps it and sets it up; one whose set-up fails is destroyed
    /// before the error goes on, so that no descriptor leaks.
    /// </summary>
    private protected static TDescriptor Create<TDescriptor>(delegate* unmanaged<nint*, int> create, Func<nint, TDescriptor> wrap,
        Action<nint> setUp, [CallerArgumentExpression(nameof(create))] string createCall = "") where TDescriptor : CudnnDescriptor
    {
        nint handle;
        CudnnStatus.Check(create(&handle), createCall);
        var descriptor = wrap(handle);
        try
        {
            setUp(handle);
        }
        catch
        {
            descriptor.Dispose();
            throw;
        }
        return descriptor;
    }

    /// <summary>Calls the descriptor type's destroy function.</summary>
    private protected abstract void Destroy();

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Destroy();
    }
}
