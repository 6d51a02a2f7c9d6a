using DafL.NN;
using DafL.Optim;
using DafL.Random;
using DafL.Tests.Support;

namespace DafL.Tests;

public class ModelEmaTests : LeakCheckedTest
{
    /// <summary>A module with parameters, BN running statistics and the BN batch count (it is never run forward).</summary>
    static Sequential Net(ulong seed) => new(new Linear(3, 2, new Philox(seed)), new BatchNorm2d(2));

    static List<float[]> Values(Module m) => m.StateDict().Select(e => e.Tensor.ToArray()).ToList();

    static void SetAll(Module m, float value)
    {
        foreach (var (_, t) in m.StateDict())
        {
            using var v = Tensor.Full(t.Shape, value);
            t.CopyFrom(v);
        }
    }

    [Test]
    public void TheAverageStartsAtTheSourceAndFollowsTheWarmedUpDecay()
    {
        using var source = Net(1);
        using var average = Net(2);
        var ema = new ModelEma(source, average, 0.9f);
        var start = Values(source);
        Assert.That(Values(average), Is.EqualTo(start), "the average starts at the source's weights");

        SetAll(source, 2f);
        ema.Update(1);                                  // d = min(0.9, 2/11)
        float keep1 = 1f - 2f / 11f;
        var keys = source.StateDict().Select(e => e.Key).ToList();
        var after1 = Values(average);
        for (int k = 0; k < keys.Count; k++)
        {
            var expected = keys[k].EndsWith("num_batches_tracked")
                ? [2.0]                                 // a count: copied
                : start[k].Select(w => (double)w + keep1 * (2.0 - w)).ToArray();
            Assert.That(after1[k], Is.EqualTo(expected).Within(1e-6), keys[k]);
        }

        SetAll(source, -1f);
        ema.Update(100);                                // d = min(0.9, 101/110) = 0.9
        var after2 = Values(average);
        for (int k = 0; k < keys.Count; k++)
        {
            var expected = keys[k].EndsWith("num_batches_tracked")
                ? [-1.0]
                : after1[k].Select(a => (double)a + 0.1 * (-1.0 - a)).ToArray();
            Assert.That(after2[k], Is.EqualTo(expected).Within(1e-6), keys[k]);
        }
    }

    [Test]
    public void TheDecayWarmsUpToItsPlateau()
    {
        using var source = Net(1);
        using var average = Net(1);
        var ema = new ModelEma(source, average, 0.999f);
        Assert.That(ema.DecayAt(0), Is.EqualTo(0.1f));
        Assert.That(ema.DecayAt(1), Is.EqualTo(2f / 11f));
        Assert.That(ema.DecayAt(500), Is.EqualTo(501f / 510f));
        Assert.That(ema.DecayAt(100_000), Is.EqualTo(0.999f));
    }

    [TestCase(1f)]
    [TestCase(-0.5f)]
    [TestCase(float.NaN)]
    public void ADecayOutsideZeroToOneIsRefused(float decay)
    {
        using var source = Net(1);
        using var average = Net(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelEma(source, average, decay));
    }

    [Test]
    public void AnAverageOfAnotherArchitectureIsRefused()
    {
        using var source = Net(1);
        using var other = new Sequential(new Linear(3, 4, new Philox(1)), new BatchNorm2d(4));
        var ex = Assert.Throws<ArgumentException>(() => new ModelEma(source, other, 0.9f));
        Assert.That(ex!.Message, Does.Contain("'0.weight'").And.Contain("[2, 3]"));
    }
}
