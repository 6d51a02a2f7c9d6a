using DafL.Cli.Commands;
using DafL.Tests.Support;
using Spectre.Console;

namespace DafL.Tests.Reports;

[NonParallelizable] // the in-process CLI swaps the process-wide console
public class ReportCommandTests : TempFolderTest
{
    string Run => Path.Combine(Dir, "run");

    [Test]
    public void TheReportGoesIntoTheRunFolderOrWhereOutSays()
    {
        ReportRuns.Distill(Run, Path.Combine(Dir, "teacher.safetensors"), epochs: 1, evaluation: true);
        var result = InProcessCli.Run("report", Run);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(File.ReadAllText(Path.Combine(Run, "report.html")), Does.StartWith("<!DOCTYPE html>"));
        var elsewhere = Path.Combine(Dir, "two.html");
        ReportRuns.Reference(Path.Combine(Dir, "distill.jsonl"), epochs: 2);
        result = InProcessCli.Run("report", Run, Path.Combine(Dir, "distill.jsonl"), "--out", elsewhere);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(File.ReadAllText(elsewhere), Does.Contain("Runs compared"));
    }

    [Test]
    public void ABadRunIsOneErrorLine()
    {
        var result = InProcessCli.Run("report", Dir);
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(result.ErrorLines[0], Does.StartWith($"error: {Dir}: expected a distill run folder"));
    }

    [Test]
    public void AReportThatFailsAfterARunIsAWarningNotAFailure()
    {
        var output = new StringWriter();
        var previous = AnsiConsole.Console;
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No });
        AnsiConsole.Console.Profile.Width = 10_000; // one line, unwrapped
        try
        {
            Assert.DoesNotThrow(() => ReportCommand.AfterRun([Run], Path.Combine(Dir, "report.html")));
        }
        finally
        {
            AnsiConsole.Console = previous;
        }
        Assert.That(output.ToString(), Does.StartWith($"warning: the report was not written: {Run}: expected a distill run folder")
            .And.Contain($"write it with `dafl report {Run}`"));
        Assert.That(File.Exists(Path.Combine(Dir, "report.html")), Is.False);
    }
}
