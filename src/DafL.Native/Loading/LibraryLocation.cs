namespace DafL.Native;

/// <summary>Where a library was found.</summary>
public enum LibrarySource
{
    /// <summary>Named by its environment variable (<c>DAFL_CUBLAS</c>, …).</summary>
    EnvironmentVariable,
    /// <summary>In a CUDA toolkit folder.</summary>
    Toolkit,
    /// <summary>In an NVIDIA Python wheel's folder.</summary>
    PythonWheel,
    /// <summary>Beside its parent library (cuBLASLt beside cuBLAS, nvrtc-builtins beside NVRTC).</summary>
    BesideParent,
    /// <summary>Not found in any folder: left to the loader's default search, by versioned file name.</summary>
    LoaderDefault,
}

/// <summary>
/// The outcome of looking for one library: a full path (or, for <see cref="LibrarySource.LoaderDefault"/>, the
/// file names to hand to the loader in order), how it was found, and what was searched, for error messages.
/// </summary>
public sealed record LibraryLocation(CudaLibrary Library, LibrarySource Source, IReadOnlyList<string> Candidates, string Searched)
{
    /// <summary>
    /// Set when an explicit choice cannot be honoured (an environment variable naming a missing file): the library
    /// is then unavailable, rather than silently replaced by another copy.
    /// </summary>
    public string? Problem { get; init; }

    /// <summary>The file name of the first candidate (the one whose version companions must match).</summary>
    public string FileName => Path.GetFileName(Candidates[0]);
}
