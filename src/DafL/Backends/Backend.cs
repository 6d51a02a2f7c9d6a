namespace DafL.Backends;

/// <summary>
/// Finds the backend that runs ops for a device. The CPU backend always exists. The CUDA backend lives in another
/// assembly (DafL.Cuda), which installs a factory with <see cref="RegisterCuda"/>; the factory runs on first use and
/// may fail (no driver, no device, a missing library) — <see cref="TryCuda"/> then says why, once, without throwing.
/// </summary>
public static class Backend
{
    static readonly object Gate = new();
    static Func<IBackend>? _cudaFactory;
    static IBackend? _cuda;
    static string? _cudaFailure;

    public static IBackend Cpu { get; } = new Cpu.CpuBackend();

    public static IBackend For(Device device) => device switch
    {
        Device.Cpu => Cpu,
        Device.Cuda => Volatile.Read(ref _cuda) ?? (TryCuda(out var cuda, out var reason) ? cuda : throw new InvalidOperationException($"The CUDA backend is not available: {reason}")),
        _ => throw new ArgumentOutOfRangeException(nameof(device)),
    };

    /// <summary>
    /// Installs how to create the CUDA backend (DafL.Cuda does it), replacing any backend created before, so a later
    /// <see cref="TryCuda"/> builds a fresh one.
    /// </summary>
    public static void RegisterCuda(Func<IBackend> factory) => SwapCudaFactory(factory);

    /// <summary>
    /// <see cref="RegisterCuda"/> that also accepts "none" and returns the factory it replaced, so that a test can
    /// stand in its own CUDA backend and put the process's registration back afterwards.
    /// </summary>
    internal static Func<IBackend>? SwapCudaFactory(Func<IBackend>? factory)
    {
        lock (Gate)
        {
            (_cuda as IDisposable)?.Dispose();
            var previous = _cudaFactory;
            _cudaFactory = factory;
            _cuda = null;
            _cudaFailure = null;
            return previous;
        }
    }

    /// <summary>The CUDA backend, created on first use; false with the reason when none is registered or it cannot start.</summary>
    public static bool TryCuda(out IBackend cuda, out string reason)
    {
        lock (Gate)
        {
            if (_cuda is null && _cudaFailure is null)
            {
                if (_cudaFactory is null) _cudaFailure = "no CUDA backend is registered in this process (reference DafL.Cuda and call CudaSetup.Register()).";
                else
                {
                    try { _cuda = _cudaFactory(); }
                    catch (Exception e) { _cudaFailure = e.Message; }
                }
            }
            cuda = _cuda!;
            reason = _cudaFailure ?? "";
            return _cuda is not null;
        }
    }
}
