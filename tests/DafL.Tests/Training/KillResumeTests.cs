using System.Diagnostics;
using DafL.IO;
using DafL.Models;
using DafL.Random;
using DafL.Tests.Support;
using DafL.Training;

namespace DafL.Tests.Training;

/// <summary>
/// <c>kill -9</c> at random moments, some of them during checkpoint writes, then <c>--resume</c> until the run is
/// done: the checkpoints are those of an uninterrupted run byte for byte, and the folder is consistent.
/// </summary>
public class KillResumeTests : TempFolderTest
{
    const int Epochs = 6, Kills = 10;
    /// <summary>Files written per epoch (student and generator with their sidecars, the state), and per start (config.json, the metrics log's cut).</summary>
    const int WritesPerEpoch = 5, WritesPerStart = 2;

    static string[] Distill(string teacher, string runDir) =>
        ["distill", "--teacher", teacher, "--preset", "mnist-quick", "--batch", "4", "--iters", "3", "--epochs", $"{Epochs}",
         "--gen-width", "8", "--no-eval", "--out", runDir];

    [Test]
    public void KilledAtRandomMomentsAndResumedARunEndsAsAnUninterruptedOne()
    {
        var cli = CliProcess.Find(out var why);
        if (cli == null) Assert.Ignore(why);
        string teacher = Path.Combine(Dir, "teacher.safetensors"), straight = Path.Combine(Dir, "straight"), killed = Path.Combine(Dir, "killed");
        using (var model = LeNet5.Full(new Philox(99))) Checkpoint.SaveModel(teacher, model, "{}");

        var clock = Stopwatch.StartNew();
        using (var run = cli.Start(Distill(teacher, straight)))
        {
            run.Process.WaitForExit();
            Assert.That(run.Process.ExitCode, Is.EqualTo(0), run.Errors);
        }
        int runMs = (int)clock.ElapsedMilliseconds;

        var random = new System.Random(20261203);
        Directory.CreateDirectory(killed);
        int duringWrites = 0, starts = 0;
        for (int kill = 0; ; kill++)
        {
            int done = EpochsDone(killed);
            var args = Distill(teacher, killed).Concat(done > 0 ? ["--resume"] : Array.Empty<string>());
            starts++;
            bool last = kill == Kills;
            // Even attempts die when the n-th write of theirs begins, odd ones at a random moment of a run's length.
            int killAtWrite = last || kill % 2 == 1 ? 0 : random.Next(1, WritesPerStart + WritesPerEpoch * (Epochs - done));
            int killAfterMs = last || kill % 2 == 0 ? 0 : random.Next(0, runMs);
            using var watcher = new FileSystemWatcher(killed, "*.tmp-*") { NotifyFilter = NotifyFilters.FileName };
            CliProcess.Child? started = null;
            int writes = 0;
            watcher.Created += (_, _) =>
            {
                if (Interlocked.Increment(ref writes) == killAtWrite) Volatile.Read(ref started)?.Kill();
            };
            watcher.EnableRaisingEvents = true; // before the start: its first write comes soon
            using var run = cli.Start(args);
            Volatile.Write(ref started, run);
            if (killAfterMs > 0 && !run.Process.WaitForExit(killAfterMs)) run.Kill();
            run.Process.WaitForExit();
            watcher.EnableRaisingEvents = false;
            if (Directory.GetFiles(killed, "*.tmp-*").Length > 0) duringWrites++;
            if (last)
            {
                Assert.That(run.Process.ExitCode, Is.EqualTo(0), $"the last resume: {run.Errors}");
                break;
            }
            Assert.That(run.Process.ExitCode, Is.EqualTo(0).Or.EqualTo(137), $"start {starts}: {run.Errors}");
        }
        TestContext.Out.WriteLine($"{starts} starts, {Kills} kills, {duringWrites} of them leaving a write's temp file; an uninterrupted run takes {runMs} ms");
        Assert.That(duringWrites, Is.GreaterThan(0), "some kills came during a write (a temp file was left to clear)");

        RunFolderAssert.SameFiles(straight, killed);
        RunFolderAssert.Consistent(killed, Epochs);
        RunFolderAssert.Consistent(straight, Epochs);
    }

    static int EpochsDone(string runDir)
    {
        var state = Path.Combine(runDir, DaflDistiller.StateFile);
        if (!File.Exists(state)) return 0;
        using var file = SafeTensors.Load(state);
        return int.Parse(file.Metadata["epoch"], System.Globalization.CultureInfo.InvariantCulture);
    }
}
