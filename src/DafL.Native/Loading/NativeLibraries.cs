namespace DafL.Native;

/// <summary>The process's loader: the environment and folders of this process, each library loaded once.</summary>
public static class NativeLibraries
{
    /// <summary>The loader every binding uses.</summary>
    public static LibraryLoader Process { get; } = new(new LibraryLocator(LibrarySearchPaths.ForCurrentProcess()));
}
