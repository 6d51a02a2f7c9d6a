using System.Reflection;
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

    [Test]
    public void TheBackendLaunchesExactlyTheKernelsTheSourcesDefine()
    {
        var names = BackendKernelNames();
        Assert.That(names, Is.Unique);
        Assert.That(names, Is.EquivalentTo(KernelSources.KernelFiles.Keys), "a name the backend uses is missing from the sources, or a kernel is never launched");
        Assert.That(KernelSources.KernelFiles, Has.Count.EqualTo(58));
    }

    [Test]
    public void KernelsAreFoundInTheirFiles()
    {
        Assert.That(KernelSources.KernelFiles[Kernel.Fill], Is.EqualTo("elementwise.cu"));
        Assert.That(KernelSources.KernelFiles[Kernel.SumChunks], Is.EqualTo("reduce.cu"), "a kernel declared with __launch_bounds__");
        Assert.That(KernelSources.KernelFiles[Kernel.BatchNormVarFromInvStd], Is.EqualTo("norm.cu"));
        Assert.That(KernelSources.KernelFiles[Kernel.PhiloxUniform], Is.EqualTo("random.cu"));
    }

    [Test]
    public void EveryKernelTheReadmeListsIsDefined()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryCudaFolder(), "README.md"));
        var listed = System.Text.RegularExpressions.Regex.Matches(readme, @"^\| `(\w+)` \|", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToHashSet();
        Assert.That(listed, Is.EquivalentTo(KernelSources.KernelFiles.Keys));
    }

    [Test]
    public void AMissingSourceIsReportedByName()
    {
        Assert.That(() => KernelSources.Read("nothing.cu"), Throws.InstanceOf<FileNotFoundException>().With.Message.Contains("nothing.cu"));
    }
}
