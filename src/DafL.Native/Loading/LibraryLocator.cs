namespace DafL.Native;

/// <summary>
/// Finds each library, in this order: the explicit environment variable (which must name an existing file), the
/// CUDA toolkit folders, the NVIDIA Python wheels' folders, and last the loader's default search. In each folder the
/// file names are tried newest major version first. Companions (cuBLASLt, nvrtc-builtins) are looked for beside the
/// parent that was found, with its major version, since a mismatched pair fails at load or at run time.
/// Finding only looks at the file system; loading is <see cref="LibraryLoader"/>'s job.
/// </summary>
public sealed class LibraryLocator
{
    readonly LibrarySearchPaths _paths;

    public LibraryLocator(LibrarySearchPaths paths) => _paths = paths;

    /// <summary>Finds a library that is not a companion.</summary>
    public LibraryLocation Locate(CudaLibrary library)
    {
        if (LibraryCatalog.ParentOf(library) is not null)
            throw new ArgumentException($"{library} is found beside its parent: use LocateCompanion.", nameof(library));
        if (Explicit(library) is { } chosen) return chosen;
        var names = LibraryCatalog.FileNames(library);
        string searched = Searched(library);

        foreach (var directory in _paths.ToolkitDirectories)
            if (FirstExisting(directory, names) is { } path)
                return new LibraryLocation(library, LibrarySource.Toolkit, [path], searched);
        foreach (var directory in WheelDirectories(library))
            if (FirstExisting(directory, names) is { } path)
                return new LibraryLocation(library, LibrarySource.PythonWheel, [path], searched);
        return new LibraryLocation(library, LibrarySource.LoaderDefault, names, searched);
    }

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
        var wheels = WheelDirectories(library).ToList();
        return $"{LibraryCatalog.EnvironmentVariable(library)} (unset), {string.Join(", ", _paths.ToolkitDirectories)}"
            + (wheels.Count > 0 ? $", {string.Join(", ", wheels)}" : "")
            + $", then the loader's default search for {string.Join(" / ", LibraryCatalog.FileNames(library))}";
    }

    static string? FirstExisting(string directory, IReadOnlyList<string> names) =>
        names.Select(n => Path.Combine(directory, n)).FirstOrDefault(File.Exists);

    /// <summary>A name that is the prefix followed only by version digits and dots (not <c>.alt</c> or a backup).</summary>
    static bool IsVersionedName(string name, string prefix) => name[prefix.Length..].All(c => char.IsAsciiDigit(c) || c == '.');
}
