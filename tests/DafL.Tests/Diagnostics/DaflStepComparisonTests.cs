using DafL.Models;
using DafL.Random;
using DafL.Tests.Support;
using DafL.Training;
using DafL.Training.Diagnostics;

namespace DafL.Tests.Diagnostics;

public class DaflStepComparisonTests : LeakCheckedTest
{
    static readonly DistillConfig Tiny = DistillPresets.Get("mnist-quick") with { BatchSize = 6, GeneratorWidth = 8, LatentDim = 12, Seed = 5 };

    [Test]
    public void TwoCpuDistillersFromOneSeedGiveTheSameLossesEveryStep()
    {
        using var teacher = LeNet5.Full(new Philox(11));
        using var reference = new DaflDistiller(Tiny, teacher);
        using var candidate = new DaflDistiller(Tiny, teacher);
        var rows = DaflStepComparison.Run(reference, candidate, Tiny.BatchSize, steps: 3, DaflStepComparison.Tolerance(tf32: false));
        Assert.That(rows.Select(r => r.Step), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(rows.Select(r => r.Candidate), Is.EqualTo(rows.Select(r => r.Reference)));
        Assert.That(rows.Select(r => r.Pass), Is.All.True);
        Assert.That(rows.Select(r => r.Reference.Total), Is.Unique, "each step trains: the losses move");
    }

    [Test]
    public void ADistillerThatStartsElsewhereIsFlagged()
    {
        using var teacher = LeNet5.Full(new Philox(11));
        using var reference = new DaflDistiller(Tiny, teacher);
        using var candidate = new DaflDistiller(Tiny with { Seed = 6 }, teacher);
        var rows = DaflStepComparison.Run(reference, candidate, Tiny.BatchSize, steps: 1, DaflStepComparison.Tolerance(tf32: false));
        Assert.That(rows.Single().Pass, Is.False);
        Assert.That(rows.Single().RelativeDifference, Is.GreaterThan(1e-3));
    }
}
