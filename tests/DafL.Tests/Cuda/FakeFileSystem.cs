using DafL.Native;

namespace DafL.Tests.Native;

/// <summary>
/// A throw-away folder standing in for the file-system root, with empty files where the test says a library is,
/// and a fake environment: what the library locator sees, without touching the machine's real CUDA folders.
/// </summary>
sealed class FakeFileSystem : IDisposable
{
    readonly Dictionary<string, string> _environment = [];

    /// <summary>The fake root folder.</summary>
    public string Root { get; } = Directory.CreateTempSubdirectory("dafl-libs-").FullName;

    /// <summary>The real path of an absolute path under the fake root.</summary>
    public string PathOf(string absolute) => Path.Combine(Root, absolute.TrimStart('/'));

    /// <summary>Creates a file (not a loadable library: a few bytes of text) at an absolute path under the root.</summary>
    public string File(string absolute)
    {
        string path = PathOf(absolute);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, "not an ELF file");
        return path;
    }

    /// <summary>Sets a variable of the fake environment.</summary>
    public void Set(string variable, string value) => _environment[variable] = value;

    /// <summary>The search paths the locator derives from this root and environment.</summary>
    public LibrarySearchPaths SearchPaths() =>
        LibrarySearchPaths.FromEnvironment(v => _environment.GetValueOrDefault(v), Root);

    /// <summary>A locator over this root and environment.</summary>
    public LibraryLocator Locator() => new(SearchPaths());

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
