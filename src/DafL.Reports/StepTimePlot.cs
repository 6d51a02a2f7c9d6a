namespace DafL.Reports;

/// <summary>The mean wall time of a training step in each epoch.</summary>
public static class StepTimePlot
{
    /// <summary>The PNG, or null when the run logged no step time.</summary>
    public static byte[]? Draw(RunRecord run)
    {
        var (x, y) = Charts.Points(run.Epochs, e => e.StepMilliseconds);
        if (x.Length == 0) return null;
        var plot = Charts.New("Step time", "epoch", "mean step time (ms)");
        var curve = plot.Add.Scatter(x, y, Charts.Series[0]);
        curve.LineWidth = 2;
        // From zero: a step time read against zero shows its real spread, not a zoomed-in wobble.
        plot.Axes.SetLimitsY(0, y.Max() * 1.1);
        Charts.EpochAxis(plot);
        return Charts.Png(plot);
    }
}
