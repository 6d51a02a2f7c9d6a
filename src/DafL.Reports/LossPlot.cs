using ScottPlot;

namespace DafL.Reports;

/// <summary>Each loss term per epoch on its own axis: their scales differ by orders of magnitude.</summary>
public static class LossPlot
{
    /// <summary>The size of one term's plot in the grid.</summary>
    const int PanelWidth = 600, PanelHeight = 320;

    /// <summary>The PNG: a grid of one plot per term the run logged, or null when it logged none.</summary>
    public static byte[]? Draw(RunRecord run)
    {
        var terms = LossTerms.Plotted.Where(t => run.Epochs.Any(e => e.Losses.ContainsKey(t.Key))).ToList();
        if (terms.Count == 0) return null;
        var plots = new List<Plot>();
        foreach (var (key, title) in terms)
        {
            var plot = Charts.New(title, "epoch", "loss (mean over the epoch)");
            var (x, y) = Charts.Points(run.Epochs, e => e.Losses.TryGetValue(key, out double v) ? v : null);
            var curve = plot.Add.Scatter(x, y, Charts.Series[0]);
            curve.LineWidth = 2;
            Charts.EpochAxis(plot);
            plots.Add(plot);
        }
        if (plots.Count == 1) return Charts.Png(plots[0]);
        var figure = new Multiplot();
        figure.Reset(plots[0]); // a new multiplot holds one empty plot of its own
        foreach (var plot in plots.Skip(1)) figure.AddPlot(plot);
        int rows = (plots.Count + 1) / 2;
        figure.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, 2);
        using var image = figure.Render(2 * PanelWidth, rows * PanelHeight);
        return image.GetImageBytes(ImageFormat.Png);
    }
}
