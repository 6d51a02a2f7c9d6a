namespace DafL.Backends.Dispatch;

/// <summary>
/// An observer of every backend's kernels for as long as it is alive: <see cref="Install{T}"/> routes all ops through
/// a <see cref="DispatchingBackend"/> that shows each kernel to it, <see cref="Dispose"/> removes it. At most one is
/// installed at a time (<see cref="Backend.Intercept"/> refuses a second). <see cref="KernelProfile"/> and
/// <see cref="KernelFlops"/> are two.
/// </summary>
public abstract class InstalledObserver : IKernelObserver, IDisposable
{
    bool _disposed;

    /// <summary>Installs <paramref name="observer"/> on every backend and returns it.</summary>
    protected static T Install<T>(T observer) where T : InstalledObserver
    {
        Backend.Intercept(inner => new DispatchingBackend(inner, observer));
        return observer;
    }

    public abstract bool Before(in KernelCall call);

    public abstract void After(in KernelCall call);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Backend.StopIntercepting();
    }
}
