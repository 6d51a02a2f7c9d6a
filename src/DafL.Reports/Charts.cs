using ScottPlot;

namespace DafL.Reports;

/// <summary>
/// What every plot of the report shares: the font (DejaVu Sans, which the base image carries; ScottPlot falls back
/// to a font it finds where it is missing), legible sizes, a legend beside the data rather than over it, and PNG bytes.
/// </summary>
static class Charts
{
    public const string Font = "DejaVu Sans";
    public const int Width = 900, Height = 420;

    /// <summary>Colours that stay apart for up to eight series (the Tableau 10 palette's first eight).</summary>
    public static readonly Color[] Series = [.. new[] { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f" }.Select(Color.FromHex)];

    public static Plot New(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        if (Fonts.GetTypeface(Font, false, false) != null) plot.Font.Set(Font);
        plot.Title(title, size: 17);
        plot.XLabel(xLabel, size: 15);
        plot.YLabel(yLabel, size: 15);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
        plot.Axes.Left.TickLabelStyle.FontSize = 13;
        plot.Legend.FontSize = 13;
        return plot;
    }

    /// <summary>Whole epochs only on the x axis: a fraction of an epoch was never logged.</summary>
    public static void EpochAxis(Plot plot) =>
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };

    /// <summary>The legend under the data, so that it never covers a curve.</summary>
    public static void LegendBelow(Plot plot) => plot.ShowLegend(Edge.Bottom);

    public static byte[] Png(Plot plot, int width = Width, int height = Height) => plot.GetImageBytes(width, height, ImageFormat.Png);

    public static (double[] X, double[] Y) Points(IEnumerable<EpochPoint> epochs, Func<EpochPoint, double?> value)
    {
        var kept = epochs.Where(e => value(e).HasValue).ToList();
        return ([.. kept.Select(e => (double)e.Epoch)], [.. kept.Select(e => value(e)!.Value)]);
    }
}
