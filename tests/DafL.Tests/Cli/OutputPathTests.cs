using DafL.Cli;
using DafL.Tests.Support;

namespace DafL.Tests.Cli;

/// <summary>
/// Output paths are checked before anything is loaded or trained: every case here would otherwise fail only at the
/// first save, or replace what the path names. None of these command lines has a teacher or a dataset to load, so a
/// path that passed its check would fail on those instead, with another line.
/// </summary>
[NonParallelizable] // the console is process-wide
public class OutputPathTests
{
    string _dir = "";

    [SetUp]
    public void MakeFolder() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), $"dafl-out-{Guid.NewGuid():N}"));

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    static string Refusal(params string[] args)
    {
        var outcome = InProcessCli.Run(args);
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.BadInput), string.Join("\n", outcome.ErrorLines));
        Assert.That(outcome.ErrorLines, Has.Length.EqualTo(1));
        return outcome.ErrorLines[0];
    }

    [Test]
    public void AnEmptyPathIsRefused()
    {
        Assert.That(Refusal("distill", "--teacher", "t", "--out", ""), Is.EqualTo("error: --out: expected a folder path, found an empty path."));
        Assert.That(Refusal("teacher", "--out", ""), Is.EqualTo("error: --out: expected a file path, found an empty path."));
        Assert.That(Refusal("sample", "--teacher", "t", "--out", " "), Is.EqualTo("error: --out: expected a file path, found an empty path."));
        Assert.That(Refusal("demo", "--out", ""), Is.EqualTo("error: --out: expected a folder path, found an empty path."));
    }

    [Test]
    public void TheFileSystemRootIsRefused()
    {
        Assert.That(Refusal("distill", "--teacher", "t", "--out", "/"), Is.EqualTo("error: --out: expected a folder of its own, not the file-system root, found /."));
        Assert.That(Refusal("teacher", "--out", "/"), Is.EqualTo("error: --out: expected a file path (new or a regular file), found / (a folder path)."));
    }

    [TestCase("/sys/x")]
    [TestCase("/proc/x")]
    public void AFolderNoFileCanBeWrittenInIsRefused(string path)
    {
        Assume.That(OperatingSystem.IsLinux(), "/sys and /proc are Linux's");
        Assert.That(Refusal("distill", "--teacher", "t", "--out", path), Does.StartWith($"error: --out: expected a writable folder, found {path} ("));
        Assert.That(Refusal("demo", "--out", path), Does.StartWith($"error: --out: expected a writable folder, found {path} ("));
        Assert.That(Refusal("teacher", "--out", $"{path}/teacher.safetensors"), Does.StartWith($"error: --out: expected a file in a writable folder, found {path}/teacher.safetensors ("));
        Assert.That(Refusal("sample", "--teacher", "t", "--out", $"{path}/grid.png"), Does.StartWith($"error: --out: expected a file in a writable folder, found {path}/grid.png ("));
    }

    [Test]
    public void ADeviceIsRefusedAsAFileOutput()
    {
        Assume.That(File.Exists("/dev/null"), "a Unix device node");
        Assert.That(Refusal("teacher", "--out", "/dev/null"), Is.EqualTo("error: --out: expected a file path (new or a regular file), found /dev/null (a character device)."));
        Assert.That(Refusal("sample", "--teacher", "t", "--out", "/dev/null"), Is.EqualTo("error: --out: expected a file path (new or a regular file), found /dev/null (a character device)."));
        Assert.That(Refusal("doctor", "--json", "/dev/null"), Is.EqualTo("error: --json: expected a file path (new or a regular file), found /dev/null (a character device)."));
    }

    [Test]
    public void ASymbolicLinkIsRefusedAsAFileOutputAndLeftAsItWas()
    {
        var target = Path.Combine(_dir, "precious.txt");
        File.WriteAllText(target, "keep me");
        var link = Path.Combine(_dir, "teacher.safetensors");
        File.CreateSymbolicLink(link, target);
        Assert.That(Refusal("teacher", "--out", link), Is.EqualTo($"error: --out: expected a file path (new or a regular file), found {link} (a symbolic link)."));
        Assert.That(new FileInfo(link).LinkTarget, Is.EqualTo(target));
        Assert.That(File.ReadAllText(target), Is.EqualTo("keep me"));
    }

    [Test]
    public void ADanglingLinkIsRefusedAsAFolderOutput()
    {
        var link = Path.Combine(_dir, "run");
        Directory.CreateSymbolicLink(link, Path.Combine(_dir, "gone"));
        Assert.That(Refusal("distill", "--teacher", "t", "--out", link), Is.EqualTo($"error: --out: expected a folder (new or existing), found {link} (a symbolic link)."));
    }

    [Test]
    public void AFileIsRefusedWhereAFolderIsExpectedAndAFolderWhereAFileIs()
    {
        var file = Path.Combine(_dir, "run");
        File.WriteAllText(file, "");
        Assert.That(Refusal("distill", "--teacher", "t", "--out", file), Is.EqualTo($"error: --out: expected a folder (new or existing), found {file} (a regular file)."));
        Assert.That(Refusal("teacher", "--out", _dir), Is.EqualTo($"error: --out: expected a file path (new or a regular file), found {_dir} (a directory)."));
        Assert.That(Refusal("teacher", "--out", Path.Combine(file, "teacher.safetensors")), Does.StartWith($"error: --out: expected a file in a writable folder, found {file}/teacher.safetensors ("));
    }

    [Test]
    public void AGoodFolderIsCreatedAndLeftWithoutTheProbe()
    {
        var run = Path.Combine(_dir, "a", "b", "run");
        var teacher = Path.Combine(_dir, "missing.safetensors");
        var outcome = InProcessCli.Run("distill", "--teacher", teacher, "--out", run);
        Assert.That(outcome.ExitCode, Is.Not.EqualTo(ExitCodes.Ok));
        Assert.That(outcome.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(outcome.ErrorLines[0], Does.Contain(teacher), "the path passed; the missing teacher is what is refused");
        Assert.That(Directory.Exists(run));
        Assert.That(Directory.GetFileSystemEntries(run), Is.Empty);
    }
}
