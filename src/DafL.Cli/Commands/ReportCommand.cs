using System.CommandLine;
using DafL.Errors;
using DafL.Reports;
using Spectre.Console;

namespace DafL.Cli.Commands;

/// <summary>
/// <c>dafl report RUN [RUN…]</c>: one self-contained HTML page of plots and tables for runs (distill run folders,
/// teacher checkpoints, the PyTorch reference's distill.jsonl); with several, their accuracy curves overlaid. The
/// teacher and distill commands write one at their end (<see cref="AfterRun"/>).
/// </summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("RUN")
        {
            Description = "Distill run folder, teacher checkpoint (.safetensors), or the PyTorch reference's distill.jsonl (or its folder); several are compared",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string?>("--out") { Description = "HTML file to write (default: report.html in the first run's folder, NAME.report.html beside a file)" };
        var teacher = new Option<string?>("--teacher") { Description = "Teacher checkpoint that labels the samples (default: the one the run recorded)" };
        var command = new Command("report", "Write an HTML report of runs: accuracy, losses, learning rates, step time, samples, per-class accuracy, config.") { runs, output, teacher };
        command.SetAction(p =>
        {
            var paths = p.GetValue(runs)!;
            // The runs take any word, so a mistyped option would arrive as a run that is not there: say what it is.
            if (paths.FirstOrDefault(r => r.StartsWith('-') && !Path.Exists(r)) is { } option)
                throw new InputException("command line", $"'{option}'", "an option of `dafl report` (see dafl report --help)", "an unknown option");
            Write(paths, p.GetValue(output) ?? RunReader.DefaultReportPath(paths[0]), p.GetValue(teacher));
            return ExitCodes.Ok;
        });
        return command;
    }

    public static void Write(IReadOnlyList<string> runs, string output, string? teacher = null)
    {
        OutputPath.File(output, "--out");
        RunReport.Write(runs, output, teacher);
        AnsiConsole.MarkupLine($"Report: [bold]{Markup.Escape(output)}[/]");
    }

    /// <summary>
    /// What a training command does once its checkpoints are written: <paramref name="record"/> (the run's final
    /// evaluation, if any), then the report. A failure here does not fail the run, whose files are all written: it
    /// is one warning line saying how to write the report again, and the command keeps its exit code.
    /// </summary>
    public static void AfterRun(IReadOnlyList<string> runs, string output, Action? record = null)
    {
        try
        {
            record?.Invoke();
            Write(runs, output);
        }
        catch (Exception e)
        {
            var (_, line) = ErrorReport.Classify(e);
            AnsiConsole.WriteLine($"warning: the report was not written: {line} The run's files are kept; write it with `dafl report {string.Join(" ", runs)}`.");
        }
    }
}
