using System.Runtime.InteropServices;

namespace DafL.Native;

/// <summary>
/// Loads the NVIDIA libraries by full path, each once, in dependency order (cuBLASLt → cuBLAS → nvrtc-builtins →
/// NVRTC → cuDNN's sub-libraries → cuDNN), so that when a library later dlopens a dependency by soname, glibc hands back the copy already
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
        var parentLocation = parent == CudaLibrary.Nvrtc ? LocateNvrtcOfCublassMajor() : _locator.Locate(parent);
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

    /// <summary>
    /// NVRTC of cuBLAS's CUDA major version, which both must share (kernels compiled by one CUDA's NVRTC run beside
    /// another's cuBLAS only by luck, and a wheel set mixed with a toolkit of another major is the usual way to get
    /// there): found with cuBLAS's major preferred, and refused, with both files named, when only another exists.
    /// </summary>
    LibraryLocation LocateNvrtcOfCublassMajor()
    {
        var cublas = _locator.Locate(CudaLibrary.Cublas);
        string? major = cublas.Source == LibrarySource.LoaderDefault ? null : LibraryCatalog.MajorVersion(cublas.FileName);
        var nvrtc = _locator.Locate(CudaLibrary.Nvrtc, major);
        string? nvrtcMajor = nvrtc.Source == LibrarySource.LoaderDefault ? null : LibraryCatalog.MajorVersion(nvrtc.FileName);
        if (major is null || nvrtcMajor is null || nvrtcMajor == major || nvrtc.Problem is not null) return nvrtc;
        return nvrtc with
        {
            Problem = $"{nvrtc.Candidates[0]} is CUDA {nvrtcMajor}, but cuBLAS ({cublas.Candidates[0]}) is CUDA {major}: the libraries must " +
                $"share one CUDA major version; set {LibraryCatalog.EnvironmentVariable(CudaLibrary.Nvrtc)} to a libnvrtc.so.{major} " +
                $"(or {LibraryCatalog.EnvironmentVariable(CudaLibrary.Cublas)} to a CUDA {nvrtcMajor} cuBLAS)",
        };
    }

    /// <summary>
    /// cuDNN after cuBLASLt and NVRTC, which it needs at run time; those are best effort here. cuDNN 9's
    /// <c>libcudnn.so.9</c> is a shim that dlopens its sub-libraries (graph, engines, ops, cnn, adv) by soname when
    /// first used; from a wheel folder, which is on no search path, that fails unless they are loaded already. So
    /// every sub-library found beside the shim is loaded first, by full path, in dependency order (as PyTorch
    /// preloads its wheels' cuDNN); a sub-library that does not load is logged and left to the shim.
    /// </summary>
    Loaded LoadCudnn()
    {
        Load(CudaLibrary.Cublas);
        Load(CudaLibrary.Nvrtc);
        var location = _locator.Locate(CudaLibrary.Cudnn);
        if (location.Problem is null && location.Source != LibrarySource.LoaderDefault)
            foreach (var subLibrary in CudnnSubLibrariesBeside(location.Candidates[0]))
                try
                {
                    NativeLibrary.Load(subLibrary);
                    Write($"cuDNN: preloaded {subLibrary} (beside the shim)");
                }
                catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
                {
                    Write($"cuDNN: preloading {subLibrary} failed: {DynamicLoaderError(e.Message)}");
                }
        return LoadLocated(location);
    }

    /// <summary>cuDNN 9's sub-libraries in dependency order: everything needs graph; ops, cnn and adv build on each other.</summary>
    static readonly string[] CudnnSubLibraryOrder =
        ["graph", "engines_precompiled", "engines_runtime_compiled", "heuristic", "ops", "cnn", "adv"];

    /// <summary>The <c>libcudnn_*.so.9</c> files beside the shim, in <see cref="CudnnSubLibraryOrder"/>, unknown ones last.</summary>
    static IEnumerable<string> CudnnSubLibrariesBeside(string shim)
    {
        if (Path.GetDirectoryName(shim) is not { Length: > 0 } directory || !Directory.Exists(directory)) return [];
        return Directory.EnumerateFiles(directory, "libcudnn_*.so.9")
            .Select(path => (path, part: Path.GetFileName(path)["libcudnn_".Length..^".so.9".Length]))
            .OrderBy(f => Array.IndexOf(CudnnSubLibraryOrder, f.part) is var i and >= 0 ? i : CudnnSubLibraryOrder.Length)
            .ThenBy(f => f.part, StringComparer.Ordinal)
            .Select(f => f.path);
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
