using System.Runtime.InteropServices;

namespace DafL.Native;

/// <summary>
/// Loads the NVIDIA libraries by full path, each once, in dependency order (cuBLASLt → cuBLAS → nvrtc-builtins →
/// NVRTC → cuDNN), so that when a library later dlopens a dependency by soname, glibc hands back the copy already
/// loaded instead of searching <c>LD_LIBRARY_PATH</c> (which a process cannot change for itself). Every attempt is
/// written to <see cref="Log"/>, because a failed dependency otherwise shows up later as an unrelated error.
/// Handles are never freed: the libraries stay loaded for the life of the process.
/// </summary>
public sealed class LibraryLoader
{
    readonly LibraryLocator _locator;
    readonly Lock _gate = new();
    readonly Dictionary<CudaLibrary, Loaded> _loaded = [];
    readonly List<string> _log = [];

    /// <summary>The outcome of loading one library: a handle, or why there is none.</summary>
    readonly record struct Loaded(nint Handle, string? Failure);

    public LibraryLoader(LibraryLocator locator) => _locator = locator;

    /// <summary>One line per load attempt, in the order they happened.</summary>
    public IReadOnlyList<string> Log
    {
        get { lock (_gate) return _log.ToList(); }
    }

    /// <summary>
    /// Loads <paramref name="library"/> and the libraries that must come before it. Never throws: on failure
    /// <paramref name="failure"/> says what was searched and what the loader answered (naming the file, not the
    /// library: callers put "X is not available: " in front).
    /// </summary>
    public bool TryLoad(CudaLibrary library, out nint handle, out string failure)
    {
        Loaded result;
        lock (_gate) result = Load(library);
        handle = result.Handle;
        failure = result.Failure ?? "";
        return result.Failure is null;
    }

    Loaded Load(CudaLibrary library)
    {
        if (_loaded.TryGetValue(library, out var done)) return done;
        Loaded result;
        try
        {
            result = library switch
            {
                CudaLibrary.CublasLt => LoadWithCompanion(CudaLibrary.Cublas).Companion,
                CudaLibrary.NvrtcBuiltins => LoadWithCompanion(CudaLibrary.Nvrtc).Companion,
                CudaLibrary.Cublas or CudaLibrary.Nvrtc => LoadWithCompanion(library).Parent,
                CudaLibrary.Cudnn => LoadCudnn(),
                _ => LoadLocated(_locator.Locate(library)),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            result = new Loaded(0, $"looking for {LibraryCatalog.DisplayName(library)} failed: {e.Message}");
        }
        _loaded[library] = result;
        return result;
    }

    /// <summary>
    /// cuBLAS with cuBLASLt, NVRTC with nvrtc-builtins: before each try at the parent, its companion of the same
    /// major version (so that, left to the loader's default, libcublas.so.12 is preceded by libcublasLt.so.12).
    /// </summary>
    (Loaded Parent, Loaded Companion) LoadWithCompanion(CudaLibrary parent)
    {
        var companion = parent == CudaLibrary.Cublas ? CudaLibrary.CublasLt : CudaLibrary.NvrtcBuiltins;
        var parentLocation = _locator.Locate(parent);
        var companionResult = new Loaded(0, $"not loaded, because {LibraryCatalog.DisplayName(parent)} cannot be: {parentLocation.Problem}");
        var parentResult = LoadLocated(parentLocation, attempt => companionResult = LoadCompanion(companion, attempt));
        _loaded[companion] = companionResult;
        _loaded[parent] = parentResult;
        return (parentResult, companionResult);
    }

    Loaded LoadCompanion(CudaLibrary companion, LibraryLocation parent)
    {
        if (_locator.LocateCompanion(companion, parent) is { } location) return LoadLocated(location);
        var missing = new Loaded(0, $"not found beside {parent.Candidates[0]}; {LibraryCatalog.DisplayName(parent.Library)} looks for it itself");
        Write($"{LibraryCatalog.DisplayName(companion)}: {missing.Failure}");
        return missing;
    }

    /// <summary>cuDNN after cuBLASLt and NVRTC, which it needs at run time; those are best effort here.</summary>
    Loaded LoadCudnn()
    {
        Load(CudaLibrary.Cublas);
        Load(CudaLibrary.Nvrtc);
        return LoadLocated(_locator.Locate(CudaLibrary.Cudnn));
    }

    /// <summary>
    /// Loads the first candidate that loads; <paramref name="beforeEach"/> runs before each try with that candidate
    /// alone (to load its companion first).
    /// </summary>
    Loaded LoadLocated(LibraryLocation location, Action<LibraryLocation>? beforeEach = null)
    {
        string name = LibraryCatalog.DisplayName(location.Library);
        if (location.Problem is not null)
        {
            Write($"{name}: {location.Problem}");
            return new Loaded(0, location.Problem);
        }
        var errors = new List<string>();
        foreach (var candidate in location.Candidates)
        {
            beforeEach?.Invoke(location with { Candidates = [candidate] });
            try
            {
                nint handle = NativeLibrary.Load(candidate);
                Write($"{name}: loaded {candidate} ({Describe(location.Source)})");
                return new Loaded(handle, null);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                string reason = DynamicLoaderError(e.Message);
                errors.Add(reason);
                Write($"{name}: loading {candidate} ({Describe(location.Source)}) failed: {reason}");
            }
        }
        string what = location.Source == LibrarySource.LoaderDefault
            ? $"{string.Join(" / ", location.Candidates)} was not found; searched {location.Searched}"
            : $"{location.Candidates[0]} ({Describe(location.Source)}) could not be loaded";
        return new Loaded(0, $"{what}. Loader: {string.Join("; ", errors)}");
    }

    /// <summary>
    /// The dynamic loader's own words (dlerror), which .NET puts on the last line after general advice:
    /// "libcuda.so.1: cannot open shared object file: No such file or directory".
    /// </summary>
    static string DynamicLoaderError(string message) =>
        message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? message;

    static string Describe(LibrarySource source) => source switch
    {
        LibrarySource.EnvironmentVariable => "named by its environment variable",
        LibrarySource.Toolkit => "CUDA toolkit folder",
        LibrarySource.PythonWheel => "NVIDIA Python wheel",
        LibrarySource.BesideParent => "beside its parent library",
        _ => "loader's default search",
    };

    void Write(string line) => _log.Add(line);
}
