using System.Globalization;
using DafL.Training;
using Spectre.Console;

namespace DafL.Cli;

/// <summary>
/// Draws training progress: a live progress bar per epoch on an interactive terminal, and one line per epoch
/// (losses, test accuracy, best so far, seconds) everywhere, so logs of non-interactive runs stay readable.
/// </summary>
public sealed class ConsoleObserver(string title) : ITrainingObserver
{
    ProgressTask? _task;

    /// <summary>Runs <paramref name="body"/> with a live progress display when the terminal allows it.</summary>
    public T Run<T>(Func<T> body)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive) return body();
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                _task = ctx.AddTask(title, maxValue: 1);
                result = body();
            });
        _task = null;
        return result;
    }

    public void OnIteration(int epoch, int iteration, int iterationsPerEpoch)
    {
        if (_task == null) return;
        _task.Description = $"{title} epoch {epoch + 1}";
        _task.MaxValue = iterationsPerEpoch;
        _task.Value = iteration;
    }

    public void OnEpoch(EpochSummary s)
    {
        var losses = string.Join("  ", s.Losses.Select(kv => $"{kv.Key} {kv.Value.ToString("F4", CultureInfo.InvariantCulture)}"));
        var acc = s.TestAccuracy is { } a ? $"test acc [bold]{a * 100:F2}%[/] (best {s.BestAccuracy * 100:F2}% @ {s.BestEpoch})" : "";
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, $"[grey]{title}[/] epoch {s.Epoch}/{s.Epochs}  {Markup.Escape(losses)}  {acc}  [grey]{s.Seconds:F1}s[/]");
    }
}
