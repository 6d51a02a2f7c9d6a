using DafL.Reports;
using ScottPlot;

namespace DafL.Tests.Reports;

public class PlotTests
{
    static RunRecord Run(string label, params double[] accuracies) => new(RunKind.Distill, label, label, [],
        [.. accuracies.Select((a, i) => new EpochPoint(i + 1, a, new Dictionary<string, double> { ["kd"] = 1.0 / (i + 1) },
            new Dictionary<string, double> { ["student"] = i < 2 ? 2e-3 : 2e-4 }, 10 + i, 1))], 0.98, null, null, null, []);

    [Test]
    public void TheComparisonOverlaysOneCurveARunWithItsBest()
    {
        var runs = new[] { Run("a", 0.5, 0.7, 0.6), Run("b", 0.4, 0.8), Run("c", 0.9), Run("d", 0.1, 0.2, 0.3, 0.4) };
        var plot = ComparisonPlot.Build(runs);
        var curves = plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().ToList();
        Assert.That(curves, Has.Count.EqualTo(4));
        Assert.That(curves.Select(c => c.LegendText), Is.EqualTo(new[] { "a: best 70.00%", "b: best 80.00%", "c: best 90.00%", "d: best 40.00%" }));
        Assert.That(curves.Select(c => c.Data.GetScatterPoints().Count), Is.EqualTo(new[] { 3, 2, 1, 4 }));
        Assert.That(curves[1].Data.GetScatterPoints()[1], Is.EqualTo(new Coordinates(2, 80)));
    }

    [Test]
    public void TheAccuracyPlotMarksBestAndLastAndDrawsTheTeacher()
    {
        var plot = AccuracyPlot.Build(Run("a", 0.5, 0.7, 0.6))!;
        var legend = plot.GetPlottables().SelectMany(p => p.LegendItems).Select(i => i.LabelText).ToList();
        Assert.That(legend, Is.EqualTo(new[] { "student, each epoch", "best 70.00% (epoch 2)", "last 60.00% (epoch 3)", "teacher 98.00%" }));
        Assert.That(AccuracyPlot.Build(Run("none")), Is.Null, "no scored epoch, no plot");
    }

    [Test]
    public void TheBestIsTheFirstEpochWithTheHighestAccuracy()
    {
        var run = Run("a", 0.5, 0.7, 0.7, 0.6);
        Assert.That((run.Best!.Epoch, run.Last!.Epoch), Is.EqualTo((2, 4)));
    }
}
