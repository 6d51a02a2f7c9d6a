namespace DafL.Native;

/// <summary>
/// A library's function table, built on first use: load the library (with its dependencies) through
/// <see cref="NativeLibraries.Process"/>, then resolve every export (the binder throws
/// <see cref="EntryPointNotFoundException"/> for a missing one, <see cref="NotSupportedException"/> for a
/// version it cannot work with). Either step may fail; the failure becomes
/// <see cref="UnavailableReason"/>, never an exception out of <see cref="IsAvailable"/>.
/// </summary>
sealed class BoundLibrary<TApi> where TApi : class
{
    readonly CudaLibrary _library;
    readonly Lazy<(TApi? Api, string Reason)> _state;

    public BoundLibrary(CudaLibrary library, Func<Exports, TApi> bind)
    {
        _library = library;
        _state = new(() =>
        {
            if (!NativeLibraries.Process.TryLoad(library, out nint handle, out string failure)) return (null, failure);
            try
            {
                return (bind(new Exports(handle, library)), "");
            }
            catch (Exception e) when (e is EntryPointNotFoundException or NotSupportedException)
            {
                return (null, e.Message);
            }
        }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>True when the library loaded and exports everything the bindings use.</summary>
    public bool IsAvailable => _state.Value.Api is not null;

    /// <summary>Why the library cannot be used; empty when it can.</summary>
    public string UnavailableReason => _state.Value.Reason;

    /// <summary>The function table; throws, with the reason, when the library is unavailable.</summary>
    public TApi Api => _state.Value.Api
        ?? throw new InvalidOperationException($"{LibraryCatalog.DisplayName(_library)} is not available: {_state.Value.Reason}");

    /// <summary>The function table if it was already built (describing a status must not trigger a load).</summary>
    public TApi? IfLoaded => _state.IsValueCreated ? _state.Value.Api : null;
}
