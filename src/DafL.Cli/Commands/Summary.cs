using DafL.Training;
using Spectre.Console;

namespace DafL.Cli.Commands;

/// <summary>The table printed at the end of every training run.</summary>
public static class Summary
{
    public static void Print(string what, RunResult r, string output)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{what}[/]");
        table.AddColumn("measure");
        table.AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("best test accuracy (epoch)", $"{r.BestAccuracy * 100:F2}% ({r.BestEpoch})");
        table.AddRow("last-epoch test accuracy", $"{r.LastAccuracy * 100:F2}%");
        table.AddRow("epochs run", r.Epochs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.AddRow("mean step time", $"{r.MeanStepMilliseconds:F1} ms");
        table.AddRow("wall time", $"{r.Seconds:F1} s");
        table.AddRow("written", Markup.Escape(output));
        AnsiConsole.Write(table);
    }
}
