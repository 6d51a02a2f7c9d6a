using System.Diagnostics.CodeAnalysis;

namespace DafL.Backends;

/// <summary>
/// The backends of this process, by device name. The CPU backend is built in and always there; every other one
/// lives in its own assembly, which registers a factory under its device's name with <see cref="Register"/> (a GPU
/// backend's assembly, its own name). A factory runs once, on first use, and may fail (no driver, no device, a missing
/// library): <see cref="TryGet"/> then says why without throwing, and the failure is kept, not retried.
/// <see cref="For"/>, on every op, reads a snapshot of the started backends without taking a lock.
/// </summary>
public static class Backend
{
    /// <summary>One registered backend: how to create it, and what its one attempt gave.</summary>
    sealed class Entry(Func<IBackend> factory)
    {
        public readonly Func<IBackend> Factory = factory;
        public IBackend? Created;
        public string? Failure;
        /// <summary><see cref="Created"/> as <see cref="For"/> hands it out: through the interceptor, if one is installed.</summary>
        public IBackend? Seen;
    }

    /// <summary>The CPU backend itself (never intercepted). Declared first: <c>_cpuSeen</c> starts from it.</summary>
    public static IBackend Cpu { get; } = new Cpu.CpuBackend();

    static readonly Lock Gate = new();
    static readonly List<string> Names = [];
    static readonly Dictionary<string, Entry> Entries = new(StringComparer.Ordinal);
    static readonly Dictionary<string, Func<IReadOnlyList<BackendFact>>> Probes = new(StringComparer.Ordinal);
    static Func<IBackend, IBackend>? _intercept;
    // What For reads without the lock: replaced whole (never changed in place) under Gate.
    static volatile IBackend _cpuSeen = Cpu;
    static volatile Dictionary<string, IBackend> _started = new(StringComparer.Ordinal);

    /// <summary>The registered device names, "cpu" first, then in the order they were first registered.</summary>
    public static IReadOnlyList<string> Registered
    {
        get { lock (Gate) return [Device.Cpu.Name, .. Names]; }
    }

    /// <summary>
    /// The backend that runs ops on <paramref name="device"/>, seen through the interceptor when one is installed;
    /// created on first use. Throws <see cref="InvalidOperationException"/> with the reason when it cannot start.
    /// </summary>
    public static IBackend For(Device device) =>
        device.IsCpu ? _cpuSeen
        : _started.TryGetValue(device.Name, out var started) ? started
        : TryGet(device, out var backend, out string reason) ? backend
        : throw new InvalidOperationException($"The {Spelled(device)} backend is not available: {reason}");

    /// <summary>
    /// Installs how to create the backend of device <paramref name="name"/> (null: none), replacing, and disposing,
    /// any backend of that name created before, so that the next use creates a fresh one. Returns the factory it
    /// replaced, so that a test can stand in its own backend and put the process's registration back afterwards.
    /// </summary>
    public static Func<IBackend>? Register(string name, Func<IBackend>? factory)
    {
        var device = new Device(name);
        if (device.IsCpu) throw new ArgumentException("The CPU backend is built in; it cannot be registered or replaced.", nameof(name));
        lock (Gate)
        {
            Entries.Remove(device.Name, out var previous);
            (previous?.Created as IDisposable)?.Dispose();
            if (factory is null) Names.Remove(device.Name);
            else
            {
                Entries[device.Name] = new Entry(factory);
                if (!Names.Contains(device.Name)) Names.Add(device.Name);
            }
            Publish();
            return previous?.Factory;
        }
    }

    /// <summary>
    /// The backend of <paramref name="device"/>, created on first use; false with the reason when none is registered
    /// or it cannot start. The CPU backend always starts.
    /// </summary>
    public static bool TryGet(Device device, [MaybeNullWhen(false)] out IBackend backend, out string reason)
    {
        reason = "";
        if (device.IsCpu)
        {
            backend = _cpuSeen;
            return true;
        }
        lock (Gate)
        {
            backend = null;
            if (!Entries.TryGetValue(device.Name, out var entry))
            {
                reason = $"no {Spelled(device)} backend is registered in this process (reference the assembly that provides it and call its registration).";
                return false;
            }
            if (entry.Created is null && entry.Failure is null)
            {
                try { entry.Created = entry.Factory(); }
                catch (Exception e) { entry.Failure = e.Message; }
                if (entry.Created is not null)
                {
                    entry.Seen = _intercept?.Invoke(entry.Created) ?? entry.Created;
                    Publish();
                }
            }
            reason = entry.Failure ?? "";
            backend = entry.Seen;
            return backend is not null;
        }
    }

    /// <summary>
    /// Installs what <c>dafl doctor</c> reports for device <paramref name="name"/>: the parts its backend needs as
    /// this machine has them, found without starting it (so that a backend that cannot start can still say why).
    /// </summary>
    public static void Describe(string name, Func<IReadOnlyList<BackendFact>> probe)
    {
        var device = new Device(name);
        lock (Gate) Probes[device.Name] = probe;
    }

    /// <summary>What <see cref="Describe"/> installed for <paramref name="device"/>, probed now; none when nothing was.</summary>
    public static IReadOnlyList<BackendFact> Facts(Device device)
    {
        Func<IReadOnlyList<BackendFact>>? probe;
        lock (Gate) probe = Probes.GetValueOrDefault(device.Name);
        try
        {
            return probe?.Invoke() ?? [];
        }
        catch (Exception e) // a diagnosis reports a failing probe; it does not end with it
        {
            return [new BackendFact("probe", false, $"{e.GetType().Name}: {e.Message}")];
        }
    }

    /// <summary>
    /// Routes every op, on every backend started now or later, through <paramref name="wrap"/>(backend) until
    /// <see cref="StopIntercepting"/> (the kernel profiler uses it). One interceptor at a time.
    /// </summary>
    public static void Intercept(Func<IBackend, IBackend> wrap)
    {
        lock (Gate)
        {
            if (_intercept is not null) throw new InvalidOperationException("Another interceptor (a kernel profile?) is already installed; dispose it first.");
            _intercept = wrap;
            _cpuSeen = wrap(Cpu);
            foreach (var entry in Entries.Values)
                if (entry.Created is not null) entry.Seen = wrap(entry.Created);
            Publish();
        }
    }

    public static void StopIntercepting()
    {
        lock (Gate)
        {
            _intercept = null;
            _cpuSeen = Cpu;
            foreach (var entry in Entries.Values) entry.Seen = entry.Created;
            Publish();
        }
    }

    /// <summary>A device's name as prose writes it, like a product ("CPU").</summary>
    static string Spelled(Device device) => device.Name.ToUpperInvariant();

    /// <summary>Replaces the snapshot <see cref="For"/> reads; called under <see cref="Gate"/>.</summary>
    static void Publish()
    {
        var started = new Dictionary<string, IBackend>(StringComparer.Ordinal);
        foreach (var (name, entry) in Entries)
            if (entry.Seen is not null) started[name] = entry.Seen;
        _started = started;
    }
}
