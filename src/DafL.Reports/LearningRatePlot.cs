using System.Globalization;
using ScottPlot;

namespace DafL.Reports;

/// <summary>Each optimizer's learning rate per epoch, on a log scale (DAFL's two differ a hundredfold, and decays are ×0.1).</summary>
public static class LearningRatePlot
{
    /// <summary>The PNG, or null when the run logged no learning rate.</summary>
    public static byte[]? Draw(RunRecord run)
    {
        var names = run.Epochs.SelectMany(e => e.LearningRates.Keys).Distinct().ToList();
        if (names.Count == 0) return null;
        var plot = Charts.New("Learning rates", "epoch", "learning rate (log scale)");
        double low = double.MaxValue, high = double.MinValue;
        for (int i = 0; i < names.Count; i++)
        {
            var (x, y) = Charts.Points(run.Epochs, e => e.LearningRates.TryGetValue(names[i], out double v) && v > 0 ? Math.Log10(v) : null);
            if (y.Length > 0) (low, high) = (Math.Min(low, y.Min()), Math.Max(high, y.Max()));
            var curve = plot.Add.Scatter(x, y, Charts.Series[i]);
            curve.LineWidth = 2;
            curve.LegendText = names[i];
        }
        // The data are log10 of the rates; the ticks are put at whole powers of ten and labelled with the rate itself.
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            LabelFormatter = y => Math.Pow(10, y).ToString("G3", CultureInfo.InvariantCulture),
        };
        // Out to the powers of ten around the data, so that a constant rate still has a labelled tick.
        if (low <= high) plot.Axes.SetLimitsY(Math.Floor(low + 1e-9) - 0.1, Math.Ceiling(high - 1e-9) + 0.1);
        Charts.EpochAxis(plot);
        Charts.LegendBelow(plot);
        return Charts.Png(plot);
    }
}
