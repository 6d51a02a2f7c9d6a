using System.Globalization;
using ScottPlot;

namespace DafL.Reports;

/// <summary>A run's test accuracy per epoch, its best and last epochs marked, and the teacher's accuracy as a line.</summary>
public static class AccuracyPlot
{
    /// <summary>The PNG, or null when no epoch of the run was scored on the test set.</summary>
    public static byte[]? Draw(RunRecord run) => Build(run) is { } plot ? Charts.Png(plot) : null;

    /// <summary>The plot itself, or null when no epoch was scored (the tests read its plottables).</summary>
    public static Plot? Build(RunRecord run)
    {
        if (run.Best is not { } best || run.Last is not { } last) return null;
        string who = run.Kind == RunKind.Teacher ? "teacher" : "student";
        var plot = Charts.New($"Test accuracy of the {who}", "epoch", "test accuracy (%)");
        var (x, y) = Charts.Points(run.Epochs, e => e.TestAccuracy * 100);
        var curve = plot.Add.Scatter(x, y, Charts.Series[0]);
        curve.LegendText = $"{who}, each epoch";
        curve.LineWidth = 2;
        var bestMark = plot.Add.Marker(best.Epoch, best.TestAccuracy!.Value * 100, MarkerShape.FilledCircle, 14, Charts.Series[2]);
        bestMark.LegendText = $"best {Percent(best.TestAccuracy.Value)} (epoch {best.Epoch})";
        var lastMark = plot.Add.Marker(last.Epoch, last.TestAccuracy!.Value * 100, MarkerShape.OpenSquare, 16, Charts.Series[3]);
        lastMark.LineWidth = 2;
        lastMark.LegendText = $"last {Percent(last.TestAccuracy.Value)} (epoch {last.Epoch})";
        if (run.TeacherAccuracy is { } teacher)
        {
            var line = plot.Add.HorizontalLine(teacher * 100, 2, Charts.Series[1], LinePattern.Dashed);
            line.LegendText = $"teacher {Percent(teacher)}";
        }
        Charts.EpochAxis(plot);
        Charts.LegendBelow(plot);
        return plot;
    }

    public static string Percent(double accuracy) => (accuracy * 100).ToString("F2", CultureInfo.InvariantCulture) + "%";
}
