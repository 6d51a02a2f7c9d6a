using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace DafL.Native;

/// <summary>
/// Compiles <c>cuda/*.cu</c> sources to cubins with NVRTC and caches them on disk, keyed by everything that changes
/// the output: the source, the headers beside it, the architecture, the options and NVRTC's version. A cached cubin
/// is returned without compiling; a cache that cannot be written only costs the next run a compile.
/// Cache files are written to a temporary name and renamed, so a reader never sees half a file.
/// </summary>
public sealed partial class KernelCompiler
{
    /// <summary>
    /// Options every kernel is compiled with besides the architecture: functions are device functions unless marked
    /// (<c>-default-device</c>), C++17, and no contraction of a·b + c into fused multiply-adds (<c>--fmad=false</c>),
    /// because the CPU backend never contracts and the GPU must round the same way (cuda/README.md, "Compiling").
    /// </summary>
    public static IReadOnlyList<string> DefaultOptions { get; } = ["-default-device", "--std=c++17", "--fmad=false"];

    /// <summary>Bumped when the key's recipe changes, so old cache files are not mistaken for new ones.</summary>
    const string KeyVersion = "dafl-kernel-cache 1";

    /// <summary>The folder holding cached cubins.</summary>
    public string CacheDirectory { get; }

    /// <summary>The options passed to NVRTC after <c>--gpu-architecture</c>.</summary>
    public IReadOnlyList<string> Options { get; }

    public KernelCompiler(string? cacheDirectory = null, IReadOnlyList<string>? options = null)
    {
        CacheDirectory = cacheDirectory ?? DefaultCacheDirectory(Environment.GetEnvironmentVariable);
        Options = options ?? DefaultOptions;
    }

    /// <summary>
    /// <c>DAFL_KERNEL_CACHE</c> if set, else <c>$XDG_CACHE_HOME/dafl/kernels</c>, else <c>~/.cache/dafl/kernels</c>.
    /// </summary>
    public static string DefaultCacheDirectory(Func<string, string?> getEnvironmentVariable)
    {
        if (getEnvironmentVariable("DAFL_KERNEL_CACHE") is { Length: > 0 } explicitDirectory) return explicitDirectory;
        string cacheHome = getEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cacheHome, "dafl", "kernels");
    }

    /// <summary>
    /// The cubin of the .cu file at <paramref name="path"/> for <paramref name="architecture"/> (<c>sm_90</c>).
    /// The headers in the file's folder (<c>*.cuh</c>, <c>*.h</c>) can be included by name; they are part of the key.
    /// </summary>
    public byte[] CompileFile(string path, string architecture)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"KernelCompiler: {path} does not exist.", path);
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var headers = Directory.EnumerateFiles(directory)
            .Where(f => f.EndsWith(".cuh", StringComparison.Ordinal) || f.EndsWith(".h", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
        return Compile(File.ReadAllText(path), Path.GetFileName(path), architecture, headers);
    }

    /// <summary>
    /// The cubin of <paramref name="source"/>; <paramref name="name"/> is the file name NVRTC's diagnostics show,
    /// <paramref name="headers"/> (file name → text, optional) what the source may <c>#include "name"</c>.
    /// </summary>
    public byte[] Compile(string source, string name, string architecture, IReadOnlyDictionary<string, string>? headers = null)
    {
        if (!ArchitecturePattern().IsMatch(architecture))
            throw new ArgumentException($"KernelCompiler: architecture \"{architecture}\" is not a real one like sm_90.", nameof(architecture));
        var options = new List<string> { $"--gpu-architecture={architecture}" };
        options.AddRange(Options);

        string cachePath = CachePath(source, name, options, headers);
        if (File.Exists(cachePath) && new FileInfo(cachePath).Length > 0) return File.ReadAllBytes(cachePath);

        byte[] cubin = Nvrtc.CompileToCubin(source, name, options, headers).Code;
        TryStore(cachePath, cubin);
        return cubin;
    }

    /// <summary>
    /// Where the cubin for these inputs is cached: <c>&lt;name&gt;.&lt;arch&gt;.&lt;key&gt;.cubin</c>, the key being a
    /// SHA-256 of the source, the options (architecture included), NVRTC's version and every header given.
    /// </summary>
    string CachePath(string source, string name, IReadOnlyList<string> options, IReadOnlyDictionary<string, string>? headers)
    {
        var (major, minor) = Nvrtc.Version;
        var key = new StringBuilder()
            .Append(KeyVersion).Append('\n')
            .Append($"nvrtc {major}.{minor}\n")
            .Append(string.Join('\n', options)).Append('\n')
            .Append(name).Append('\n')
            .Append(source).Append('\n');
        foreach (var (header, text) in (headers ?? new Dictionary<string, string>()).OrderBy(h => h.Key, StringComparer.Ordinal))
            key.Append("header ").Append(header).Append('\n').Append(text).Append('\n');
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString())))[..32];
        string architecture = options[0]["--gpu-architecture=".Length..];
        return Path.Combine(CacheDirectory, $"{Path.GetFileNameWithoutExtension(name)}.{architecture}.{hash}.cubin");
    }

    void TryStore(string cachePath, byte[] cubin)
    {
        string temporary = $"{cachePath}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            Directory.CreateDirectory(CacheDirectory);
            File.WriteAllBytes(temporary, cubin);
            File.Move(temporary, cachePath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The cubin is in hand; an unwritable cache only means compiling again next time.
            try { File.Delete(temporary); } catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException) { }
        }
    }

    [GeneratedRegex("^sm_[0-9]+[a-z]?$")]
    private static partial Regex ArchitecturePattern();
}
