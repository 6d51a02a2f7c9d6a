using System.Diagnostics;
using DafL.Data;
using DafL.Errors;
using DafL.IO;
using DafL.Models;
using DafL.Random;
using DafL.Tests.Support;
using DafL.Training;

namespace DafL.Tests.Training;

/// <summary>What a killed run leaves is cleared when the next starts; writes never replace what is not a file.</summary>
public class RunFolderTests : TempFolderTest
{
    /// <summary>The id of a process that has exited (a temp file it left is stale).</summary>
    static int DeadProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }

    string Touch(string name)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, "partial");
        return path;
    }

    [Test]
    public void ARunRemovesTheTempFilesOfDeadProcessesOnly()
    {
        int dead = DeadProcessId();
        var stale = new[] { Touch($"state.safetensors.tmp-{dead}"), Touch($"student.json.tmp-{dead}"), Touch($"config.json.tmp-{dead}") };
        using var writer = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!; // as if writing now
        try
        {
            var alive = Touch($"generator.safetensors.tmp-{writer.Id}");
            var others = new[] { Touch("notes.tmp-draft"), Touch("notes.txt") };
            TinyDistillation.Run(TinyDistillation.Config(1), Dir);
            Assert.That(stale.Where(File.Exists), Is.Empty, "a dead process's temp files are removed");
            Assert.That(others.Append(alive).Where(f => !File.Exists(f)), Is.Empty, "a live process's, and files of other names, are kept");
        }
        finally
        {
            writer.Kill();
            writer.WaitForExit();
        }
    }

    [Test]
    public void ForOneFileOnlyItsOwnTempSiblingsAreRemoved()
    {
        int dead = DeadProcessId();
        var own = Touch($"teacher.safetensors.tmp-{dead}");
        var other = Touch($"other.safetensors.tmp-{dead}");
        AtomicFile.RemoveStaleTemps(Path.Combine(Dir, "teacher.safetensors"));
        Assert.That(File.Exists(own), Is.False);
        Assert.That(File.Exists(other), Is.True);
    }

    [Test]
    public void ATeacherRunClearsItsOutputsTempsAndStartsItsLogAfresh()
    {
        int dead = DeadProcessId();
        var output = Path.Combine(Dir, "teacher.safetensors");
        var temps = new[] { Touch($"teacher.safetensors.tmp-{dead}"), Touch($"teacher.json.tmp-{dead}") };
        var logPath = Path.Combine(Dir, "teacher.metrics.jsonl");
        File.WriteAllText(logPath, "{\"kind\":\"teacher_epoch\",\"epoch\":1}\n{\"kind\":\"teacher_epoch\",\"epoch\":2}\n");
        var data = RandomImages.Labelled(8, 6);
        using var model = LeNet5.Half(new Philox(4));
        using (var log = new MetricsLog(logPath))
            new TeacherTrainer(new TeacherConfig { Epochs = 1, BatchSize = 4 }, data, null, output).Train(model, log: log);
        Assert.That(temps.Where(File.Exists), Is.Empty);
        Assert.That(File.ReadAllLines(logPath), Has.Length.EqualTo(1).And.All.Contains("\"epoch\":1"), "one epoch logged, once");
    }

    [Test]
    public void TheMetricsLogIsCutBackToTheResumedEpoch()
    {
        TinyDistillation.Run(TinyDistillation.Config(2), Dir);
        var log = Path.Combine(Dir, DaflDistiller.MetricsFile);
        // A killed run logged epoch 3 without saving its state, and died in the middle of a line of epoch 4.
        File.AppendAllText(log, "{\"kind\":\"distill_epoch\",\"epoch\":3}\n{\"kind\":\"distill_epoch\",\"ep");
        TinyDistillation.Resume(TinyDistillation.Config(3), Dir);
        RunFolderAssert.Consistent(Dir, 3);
    }

    [Test]
    public void CuttingBackKeepsRecordsWithoutAnEpochAndDropsTornLines()
    {
        var path = Path.Combine(Dir, "m.jsonl");
        File.WriteAllLines(path, ["{\"kind\":\"note\"}", "{\"epoch\":1}", "[1]", "{\"epoch\":\"2\"}", "{\"epoch\":2}", "{\"epoch\":1", "{\"epoch\":3}"]);
        using (var log = new MetricsLog(path))
        {
            log.CutBackTo(2);
            log.Write(new { epoch = 3 });
        }
        Assert.That(File.ReadAllLines(path), Is.EqualTo(new[] { "{\"kind\":\"note\"}", "{\"epoch\":1}", "{\"epoch\":2}", "{\"epoch\":3}" }));
        Assert.That(Directory.GetFiles(Dir, "*.tmp-*"), Is.Empty);
    }

    [Test]
    public void AWriteNeverReplacesALinkADeviceOrAFolder()
    {
        var target = Touch("target.txt");
        var link = Path.Combine(Dir, "link.safetensors");
        File.CreateSymbolicLink(link, target);
        var folder = Directory.CreateDirectory(Path.Combine(Dir, "folder.json")).FullName;
        foreach (var (path, found) in new[] { (link, "a symbolic link"), (folder, "a directory"), ("/dev/null", "a character device") })
        {
            var e = Assert.Throws<InputException>(() => AtomicFile.WriteAllText(path, "x"))!;
            Assert.That(e.Problem, Is.EqualTo(new InputProblem(path, "", "a regular file to replace, or no file", found)), path);
        }
        Assert.That(new FileInfo(link).LinkTarget, Is.EqualTo(target), "the link is still a link");
        Assert.That(File.ReadAllText(target), Is.EqualTo("partial"));
        Assert.That(Assert.Throws<InputException>(() => new MetricsLog(link).Dispose())!.Problem.Source, Is.EqualTo(link), "nor does a log append through a link");
        var dangling = Path.Combine(Dir, "dangling.json");
        File.CreateSymbolicLink(dangling, Path.Combine(Dir, "nowhere"));
        Assert.Throws<InputException>(() => AtomicFile.WriteAllText(dangling, "x"));
        Assert.That(File.Exists(Path.Combine(Dir, "nowhere")), Is.False);
    }

    [Test]
    public void AWriteReplacesARegularFile()
    {
        var path = Touch("config.json");
        AtomicFile.WriteAllText(path, "new");
        Assert.That(File.ReadAllText(path), Is.EqualTo("new"));
        Assert.That(Directory.GetFiles(Dir), Is.EqualTo(new[] { path }));
    }
}
