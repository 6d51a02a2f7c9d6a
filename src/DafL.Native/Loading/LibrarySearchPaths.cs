namespace DafL.Native;

/// <summary>
/// The folders searched for the NVIDIA libraries, in order: first the CUDA toolkit's, then every Python
/// <c>site-packages</c> directory that may hold NVIDIA's wheels; after them comes the loader's default search
/// (<c>LD_LIBRARY_PATH</c>, <c>ld.so.cache</c>). The environment is passed in so that tests can build a fake one.
/// </summary>
public sealed class LibrarySearchPaths
{
    /// <summary>Toolkit folders, searched first (after the explicit environment variable).</summary>
    public IReadOnlyList<string> ToolkitDirectories { get; }
    /// <summary><c>site-packages</c> / <c>dist-packages</c> directories, searched for the wheels' folders.</summary>
    public IReadOnlyList<string> SitePackagesDirectories { get; }
    /// <summary>Reads an environment variable; null when unset.</summary>
    public Func<string, string?> GetEnvironmentVariable { get; }

    public LibrarySearchPaths(IReadOnlyList<string> toolkitDirectories, IReadOnlyList<string> sitePackagesDirectories,
        Func<string, string?> getEnvironmentVariable)
    {
        ToolkitDirectories = toolkitDirectories;
        SitePackagesDirectories = sitePackagesDirectories;
        GetEnvironmentVariable = getEnvironmentVariable;
    }

    /// <summary>The search paths of this process: its environment, its home folder, the machine's folders.</summary>
    public static LibrarySearchPaths ForCurrentProcess() => FromEnvironment(Environment.GetEnvironmentVariable, "/");

    /// <summary>
    /// Builds the search paths from an environment and a file-system root (<c>/</c>, or a temp folder in tests).
    /// Toolkit: <c>/usr/local/cuda/lib64</c>, then <c>/usr/local/cuda-X.Y/lib64</c> newest first, then
    /// <c>/usr/lib/x86_64-linux-gnu</c> (Debian's packages). Python: every <c>PYTHONPATH</c> entry, the active
    /// virtual or conda environment, <c>~/.local/lib/python3*/site-packages</c>, <c>/usr/local/lib/python3*/dist-packages</c>
    /// and <c>site-packages</c>, and Debian's <c>/usr/lib/python3/dist-packages</c>.
    /// </summary>
    public static LibrarySearchPaths FromEnvironment(Func<string, string?> getEnvironmentVariable, string root)
    {
        string Rooted(string absolute) => Path.Combine(root, absolute.TrimStart('/'));

        var toolkit = new List<string> { Rooted("/usr/local/cuda/lib64") };
        toolkit.AddRange(NewestFirst(Rooted("/usr/local"), "cuda-*").Select(d => Path.Combine(d, "lib64")));
        toolkit.Add(Rooted("/usr/lib/x86_64-linux-gnu"));

        var python = new List<string>();
        foreach (var entry in (getEnvironmentVariable("PYTHONPATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            python.Add(entry);
        foreach (var prefixVariable in new[] { "VIRTUAL_ENV", "CONDA_PREFIX" })
            if (getEnvironmentVariable(prefixVariable) is { Length: > 0 } prefix)
                python.AddRange(PythonLibFolders(Path.Combine(prefix, "lib"), "site-packages"));
        if (getEnvironmentVariable("HOME") is { Length: > 0 } home)
            python.AddRange(PythonLibFolders(Path.Combine(home, ".local/lib"), "site-packages"));
        python.AddRange(PythonLibFolders(Rooted("/usr/local/lib"), "dist-packages"));
        python.AddRange(PythonLibFolders(Rooted("/usr/local/lib"), "site-packages"));
        python.Add(Rooted("/usr/lib/python3/dist-packages"));

        return new LibrarySearchPaths(toolkit.Distinct().ToList(), python.Distinct().ToList(), getEnvironmentVariable);
    }

    /// <summary><c>&lt;libDir&gt;/python3.*/&lt;leaf&gt;</c> for every Python version present, newest first.</summary>
    static IEnumerable<string> PythonLibFolders(string libDirectory, string leaf) =>
        NewestFirst(libDirectory, "python3*").Select(d => Path.Combine(d, leaf));

    /// <summary>Subfolders matching a pattern, ordered by the version numbers in their names, highest first.</summary>
    static IEnumerable<string> NewestFirst(string directory, string pattern)
    {
        if (!Directory.Exists(directory)) return [];
        return Directory.EnumerateDirectories(directory, pattern)
            .OrderByDescending(d => VersionKey(Path.GetFileName(d)), Comparer<int[]>.Create(CompareVersions));
    }

    /// <summary>The numbers in a folder name: <c>cuda-12.10</c> → [12, 10], <c>python3.11</c> → [3, 11].</summary>
    static int[] VersionKey(string name) =>
        System.Text.RegularExpressions.Regex.Matches(name, "[0-9]+").Select(m => int.Parse(m.Value)).ToArray();

    static int CompareVersions(int[] a, int[] b)
    {
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            if (a[i] != b[i]) return a[i].CompareTo(b[i]);
        return a.Length.CompareTo(b.Length);
    }
}
