namespace DafL.Backends.Cuda.Kernels;

/// <summary>
/// The kernel sources embedded in this assembly (<c>cuda/*.cu</c>, resource names <c>cuda/&lt;file&gt;.cu</c>); which
/// file defines which kernel is <see cref="Kernel.Files"/>, generated at build time from the same files.
/// </summary>
internal static class KernelSources
{
    const string Prefix = "cuda/";

    /// <summary>The embedded file names, e.g. <c>elementwise.cu</c>.</summary>
    public static IReadOnlyList<string> Files { get; } = typeof(KernelSources).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".cu", StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>The embedded headers (<c>cuda/*.cuh</c>), file name → text, which every kernel file may include.</summary>
    public static IReadOnlyDictionary<string, string> Headers { get; } = typeof(KernelSources).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".cuh", StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..])
        .ToDictionary(n => n, Read);

    /// <summary>The text of an embedded file.</summary>
    public static string Read(string file)
    {
        using var stream = typeof(KernelSources).Assembly.GetManifestResourceStream(Prefix + file)
            ?? throw new FileNotFoundException($"The kernel source {file} is not embedded in {typeof(KernelSources).Assembly.GetName().Name}.", file);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
