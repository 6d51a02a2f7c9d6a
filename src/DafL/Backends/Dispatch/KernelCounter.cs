namespace DafL.Backends.Dispatch;

/// <summary>
/// Counts kernel calls by kernel name (the <see cref="IBackend"/> method), over every backend it observes. Counts a
/// call when it is made, so a call that then throws is counted too. Thread-safe.
/// </summary>
public sealed class KernelCounter : IKernelObserver
{
    readonly Lock _gate = new();
    readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);

    /// <summary>The calls of <paramref name="kernel"/> so far (0 for one never called).</summary>
    public long this[string kernel]
    {
        get
        {
            lock (_gate) return _counts.GetValueOrDefault(kernel);
        }
    }

    /// <summary>A copy of the counts so far, kernel name → calls, for every kernel called at least once.</summary>
    public IReadOnlyDictionary<string, long> Counts
    {
        get
        {
            lock (_gate) return new Dictionary<string, long>(_counts, StringComparer.Ordinal);
        }
    }

    public bool Before(in KernelCall call)
    {
        lock (_gate) _counts[call.Kernel] = _counts.GetValueOrDefault(call.Kernel) + 1;
        return true;
    }

    public void After(in KernelCall call) { }
}
