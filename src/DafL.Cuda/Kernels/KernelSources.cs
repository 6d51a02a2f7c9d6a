using System.Reflection;
using System.Text.RegularExpressions;

namespace DafL.Backends.Cuda.Kernels;

/// <summary>
/// The kernel sources embedded in this assembly (<c>cuda/*.cu</c>, resource names <c>cuda/&lt;file&gt;.cu</c>) and
/// which file defines which kernel, read from their <c>extern "C" __global__</c> declarations.
/// </summary>
internal static partial class KernelSources
{
    const string Prefix = "cuda/";
    static readonly Lazy<IReadOnlyDictionary<string, string>> Index = new(BuildIndex);

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

    /// <summary>Kernel name → the file that defines it.</summary>
    public static IReadOnlyDictionary<string, string> KernelFiles => Index.Value;

    /// <summary>The text of an embedded file.</summary>
    public static string Read(string file)
    {
        using var stream = typeof(KernelSources).Assembly.GetManifestResourceStream(Prefix + file)
            ?? throw new FileNotFoundException($"The kernel source {file} is not embedded in {typeof(KernelSources).Assembly.GetName().Name}.", file);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    static IReadOnlyDictionary<string, string> BuildIndex()
    {
        var index = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Files)
            foreach (Match m in KernelDeclaration().Matches(Read(file)))
                if (!index.TryAdd(m.Groups[1].Value, file))
                    throw new InvalidOperationException($"Kernel {m.Groups[1].Value} is defined in both {index[m.Groups[1].Value]} and {file}.");
        return index;
    }

    [GeneratedRegex(@"extern\s+""C""\s+__global__\s+void\s+(?:__launch_bounds__\([^)]*\)\s+)?(\w+)\s*\(")]
    private static partial Regex KernelDeclaration();
}
