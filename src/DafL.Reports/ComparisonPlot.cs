using ScottPlot;

namespace DafL.Reports;

/// <summary>The test-accuracy curves of several runs on one axis (seeds, variants, ours against the PyTorch reference).</summary>
public static class ComparisonPlot
{
    /// <summary>The PNG with one curve for each run that has a scored epoch (the caller passes at least two).</summary>
    public static byte[] Draw(IReadOnlyList<RunRecord> runs) =>
        // Each legend row takes about 22 pixels: the plot grows with the runs instead of squeezing the data.
        Charts.Png(Build(runs), Charts.Width, Charts.Height + 22 * runs.Count);

    /// <summary>The plot itself (the tests read its plottables).</summary>
    public static Plot Build(IReadOnlyList<RunRecord> runs)
    {
        var plot = Charts.New("Test accuracy, runs compared", "epoch", "test accuracy (%)");
        for (int i = 0; i < runs.Count; i++)
        {
            var (x, y) = Charts.Points(runs[i].Epochs, e => e.TestAccuracy * 100);
            var color = Charts.Series[i % Charts.Series.Length];
            var curve = plot.Add.Scatter(x, y, color);
            curve.LineWidth = 2;
            curve.LegendText = runs[i].Best is { } best ? $"{runs[i].Label}: best {AccuracyPlot.Percent(best.TestAccuracy!.Value)}" : runs[i].Label;
            if (i >= Charts.Series.Length) curve.LinePattern = LinePattern.Dashed; // the ninth run on reuses a colour
        }
        Charts.EpochAxis(plot);
        Charts.LegendBelow(plot);
        return plot;
    }
}
