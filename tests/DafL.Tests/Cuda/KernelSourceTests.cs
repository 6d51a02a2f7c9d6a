using System.Reflection;
using System.Text.RegularExpressions;
using DafL.Backends.Cuda.Kernels;

namespace DafL.Tests.CudaTests;

/// <summary>The kernel sources embedded in DafL.Cuda, and the kernel names the backend launches (no GPU needed).</summary>
public class KernelSourceTests
{
    static string RepositoryCudaFolder()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "cuda", "README.md"))) return Path.Combine(dir.FullName, "cuda");
        Assert.Ignore("the repository's cuda/ folder is not above the test directory");
        return "";
    }

    static string[] BackendKernelNames() => typeof(Kernel).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToArray();

    [Test]
    public void EveryCudaFileIsEmbeddedWithItsCurrentText()
    {
        string folder = RepositoryCudaFolder();
        var onDisk = Directory.GetFiles(folder, "*.cu").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.That(KernelSources.Files, Is.EqualTo(onDisk));
        foreach (var file in onDisk)
            Assert.That(KernelSources.Read(file!), Is.EqualTo(File.ReadAllText(Path.Combine(folder, file!))), file);
    }

    /// <summary>
    /// The kernels the embedded sources declare, found here independently of the generator that writes
    /// <see cref="Kernel"/>: each line with <c>__global__</c> outside a comment declares one, named before its "(".
    /// </summary>
    static Dictionary<string, string> DeclaredKernels()
    {
        var declared = new Dictionary<string, string>();
        foreach (var file in KernelSources.Files)
            foreach (var line in KernelSources.Read(file).Split('\n').Where(l => l.Contains("__global__") && !l.TrimStart().StartsWith("//")))
            {
                string declaration = Regex.Replace(line[(line.IndexOf("__global__") + "__global__".Length)..], @"__launch_bounds__\([^)]*\)", "");
                declared.Add(declaration[..declaration.IndexOf('(')].Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], file);
            }
        return declared;
    }

    [Test]
    public void TheBackendLaunchesExactlyTheKernelsTheSourcesDefine()
    {
        var names = BackendKernelNames();
        var declared = DeclaredKernels();
        Assert.That(names, Is.Unique);
        Assert.That(names, Is.EquivalentTo(declared.Keys), "a name the backend uses is missing from the sources, or a kernel is never launched");
        Assert.That(Kernel.Files, Is.EquivalentTo(declared), "the generated kernel → file table");
        Assert.That(Kernel.Files, Has.Count.EqualTo(KernelSources.Files.Sum(f => Regex.Count(KernelSources.Read(f), @"\b__global__\b"))));
    }

    [Test]
    public void KernelsAreFoundInTheirFiles()
    {
        Assert.That(Kernel.Files[Kernel.Fill], Is.EqualTo("elementwise.cu"));
        Assert.That(Kernel.Files[Kernel.SumChunks], Is.EqualTo("reduce.cu"), "a kernel declared with __launch_bounds__");
        Assert.That(Kernel.Files[Kernel.BatchNormVarFromInvStd], Is.EqualTo("norm.cu"));
        Assert.That(Kernel.Files[Kernel.PhiloxUniform], Is.EqualTo("random.cu"));
    }

    [Test]
    public void EveryKernelTheReadmeNamesIsDefined() // the README describes host sequences by kernel name; it keeps no kernel list
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryCudaFolder(), "README.md"));
        var named = Regex.Matches(readme, @"`(\w+_f(?:32|64))\b").Select(m => m.Groups[1].Value).ToHashSet();
        Assert.That(named, Is.Not.Empty);
        Assert.That(named.Except(Kernel.Files.Keys), Is.Empty, "kernels the README names that no source defines");
    }

    [Test]
    public void AMissingSourceIsReportedByName()
    {
        Assert.That(() => KernelSources.Read("nothing.cu"), Throws.InstanceOf<FileNotFoundException>().With.Message.Contains("nothing.cu"));
    }
}
