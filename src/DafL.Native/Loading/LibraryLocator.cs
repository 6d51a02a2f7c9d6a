namespace DafL.Native;

/// <summary>
/// Finds each library, in this order: the explicit environment variable (which must name an existing file), the
/// NVIDIA Python wheels' folders, the CUDA toolkit folders, and last the loader's default search. Wheels come first
/// because on a machine with PyTorch they are one consistent set of one CUDA major (nvidia/cu13/lib holds cuBLAS and
/// NVRTC of CUDA 13), while the toolkit folders may hold another major: a CUDA 12 cuBLAS beside CUDA 13 NVRTC fails at
/// run time. The driver (<c>libcuda.so.1</c>) comes from the loader alone: it is the one the installed kernel driver
/// put in the loader's cache; toolkit folders hold only stubs and compat copies of it. In each folder the file names
/// are tried newest major version first, or the preferred major first when one is given (NVRTC takes cuBLAS's).
/// Companions (cuBLASLt, nvrtc-builtins) are looked for beside the parent that was found, with its major version.
/// Finding only looks at the file system; loading is <see cref="LibraryLoader"/>'s job.
/// </summary>
public sealed class LibraryLocator
{
    readonly LibrarySearchPaths _paths;

    public LibraryLocator(LibrarySearchPaths paths) => _paths = paths;

    /// <summary>
    /// Finds a library that is not a companion. <paramref name="preferredMajor"/> (e.g. "13"): files of that major
    /// version are looked for in every folder first, then any other.
    /// </summary>
    public LibraryLocation Locate(CudaLibrary library, string? preferredMajor = null)
    {
        if (LibraryCatalog.ParentOf(library) is not null)
            throw new ArgumentException($"{library} is found beside its parent: use LocateCompanion.", nameof(library));
        if (Explicit(library) is { } chosen) return chosen;
        var names = LibraryCatalog.FileNames(library);
        string searched = Searched(library);
        var preferred = names.Where(n => preferredMajor is not null && LibraryCatalog.MajorVersion(n) == preferredMajor).ToList();
        IReadOnlyList<string>[] tiers = preferred.Count > 0 ? [preferred, names] : [names];
        foreach (var tier in tiers)
        {
            foreach (var directory in WheelDirectories(library))
                if (FirstExisting(directory, tier) is { } path)
                    return new LibraryLocation(library, LibrarySource.PythonWheel, [path], searched);
            foreach (var directory in ToolkitDirectoriesFor(library))
                if (FirstExisting(directory, tier) is { } path)
                    return new LibraryLocation(library, LibrarySource.Toolkit, [path], searched);
        }
        return new LibraryLocation(library, LibrarySource.LoaderDefault, names, searched);
    }

    /// <summary>The toolkit folders searched for a library: none for the driver (see the class summary).</summary>
    IReadOnlyList<string> ToolkitDirectoriesFor(CudaLibrary library) => library == CudaLibrary.Driver ? [] : _paths.ToolkitDirectories;

    /// <summary>
    /// Finds a companion for the parent found at <paramref name="parent"/>: its environment variable, else the
    /// shortest matching file name beside the parent (the soname link rather than the fully versioned file), else,
    /// for cuBLASLt, its soname for the loader's default search. Returns null when nothing is found and the parent
    /// is left to find it itself (nvrtc-builtins' minor version cannot be guessed; nor can any version when the
    /// parent's file name has none).
    /// </summary>
    public LibraryLocation? LocateCompanion(CudaLibrary companion, LibraryLocation parent)
    {
        if (LibraryCatalog.ParentOf(companion) != parent.Library)
            throw new ArgumentException($"{companion} is not a companion of {parent.Library}.", nameof(companion));
        if (Explicit(companion) is { } chosen) return chosen;
        if (LibraryCatalog.MajorVersion(parent.FileName) is not { } major) return null;

        string prefix = LibraryCatalog.CompanionFilePrefix(companion, major);
        string searched = $"{LibraryCatalog.EnvironmentVariable(companion)} (unset), then {prefix}* beside {parent.Candidates[0]}";
        if (parent.Source != LibrarySource.LoaderDefault && Path.GetDirectoryName(parent.Candidates[0]) is { Length: > 0 } directory
            && Directory.Exists(directory))
        {
            var beside = Directory.EnumerateFiles(directory, prefix + "*")
                .Where(f => IsVersionedName(Path.GetFileName(f), prefix))
                .OrderBy(f => f.Length).ThenBy(f => f, StringComparer.Ordinal)
                .FirstOrDefault();
            if (beside is not null) return new LibraryLocation(companion, LibrarySource.BesideParent, [beside], searched);
        }
        return companion == CudaLibrary.CublasLt
            ? new LibraryLocation(companion, LibrarySource.LoaderDefault, [prefix], searched)
            : null;
    }

    /// <summary>The wheels' folders for a library, in every site-packages directory, in search order.</summary>
    public IEnumerable<string> WheelDirectories(CudaLibrary library) =>
        _paths.SitePackagesDirectories.SelectMany(site => LibraryCatalog.WheelFolders(library).Select(w => Path.Combine(site, w)));

    LibraryLocation? Explicit(CudaLibrary library)
    {
        string variable = LibraryCatalog.EnvironmentVariable(library);
        if (_paths.GetEnvironmentVariable(variable) is not { Length: > 0 } file) return null;
        return new LibraryLocation(library, LibrarySource.EnvironmentVariable, [file], $"{variable}={file}")
        {
            Problem = File.Exists(file) ? null : $"{variable}={file} names no existing file",
        };
    }

    string Searched(CudaLibrary library)
    {
        var folders = WheelDirectories(library).Concat(ToolkitDirectoriesFor(library)).ToList();
        return $"{LibraryCatalog.EnvironmentVariable(library)} (unset), "
            + (folders.Count > 0 ? $"{string.Join(", ", folders)}, then " : "")
            + $"the loader's default search for {string.Join(" / ", LibraryCatalog.FileNames(library))}";
    }

    static string? FirstExisting(string directory, IReadOnlyList<string> names) =>
        names.Select(n => Path.Combine(directory, n)).FirstOrDefault(File.Exists);

    /// <summary>A name that is the prefix followed only by version digits and dots (not <c>.alt</c> or a backup).</summary>
    static bool IsVersionedName(string name, string prefix) => name[prefix.Length..].All(c => char.IsAsciiDigit(c) || c == '.');
}
