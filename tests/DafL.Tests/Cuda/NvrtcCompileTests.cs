using DafL.Tests.Support;
using System.Text.RegularExpressions;
using DafL.Native;

namespace DafL.Tests.Native;

/// <summary>
/// Every kernel file in the repository's <c>cuda/</c> folder compiles for sm_90 (H100/H200) through the bindings,
/// with the options the backend uses, and every kernel it defines keeps its unmangled <c>extern "C"</c> name.
/// Needs NVRTC only, no GPU: on a machine without NVRTC each case is reported as skipped, with the reason.
/// </summary>
public class NvrtcCompileTests
{
    const string Architecture = "sm_90";

    /// <summary>The repository's <c>cuda/</c> folder, found above the test binaries beside DafL.Native.sln.</summary>
    static string KernelDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "DafL.Native.sln")))
                return Path.Combine(directory.FullName, "cuda");
        throw new DirectoryNotFoundException($"No DafL.Native.sln above {AppContext.BaseDirectory}.");
    }

    static IEnumerable<TestCaseData> KernelFiles()
    {
        string directory = KernelDirectory();
        var files = Directory.Exists(directory) ? Directory.GetFiles(directory, "*.cu").Order(StringComparer.Ordinal).ToArray() : [];
        if (files.Length == 0)
        {
            yield return new TestCaseData(null).SetName("NoKernelFiles");
            yield break;
        }
        foreach (var file in files) yield return new TestCaseData(file).SetName($"Compiles_{Path.GetFileName(file)}");
    }

    [TestCaseSource(nameof(KernelFiles))]
    public void CompilesForHopper(string? file)
    {
        if (file is null) Assert.Ignore($"There are no .cu files in {KernelDirectory()}.");
        Skip.Unless(Nvrtc.IsAvailable, $"NVRTC is not available, so {Path.GetFileName(file)} cannot be compiled: {Nvrtc.UnavailableReason}");
        string cache = Directory.CreateTempSubdirectory("dafl-kernel-check-").FullName;
        try
        {
            byte[] cubin = new KernelCompiler(cache).CompileFile(file, Architecture);

            Assert.That(cubin.Take(4), Is.EqualTo(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' }), "a cubin is an ELF file");
            var kernels = KernelNames(File.ReadAllText(file));
            Assert.That(kernels, Is.Not.Empty, $"{Path.GetFileName(file)} defines no __global__ function");
            var mangled = kernels.Where(k => !NvrtcTests.ContainsName(cubin, k)).ToArray();
            Assert.That(mangled, Is.Empty, $"kernels of {Path.GetFileName(file)} whose names are mangled (not extern \"C\")");
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    /// <summary>The names of the <c>__global__</c> functions defined in a source (not inside templates).</summary>
    static string[] KernelNames(string source)
    {
        string code = Regex.Replace(source, @"//[^\n]*|/\*.*?\*/", "", RegexOptions.Singleline);
        return Regex.Matches(code, @"(?<!template\s*<[^>]*>\s*)__global__\s+void\s+(?:__launch_bounds__\s*\([^)]*\)\s*)?(\w+)\s*\(")
            .Select(m => m.Groups[1].Value).Distinct().ToArray();
    }
}
