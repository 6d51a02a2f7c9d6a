using DafL.Backends;

namespace DafL.Tests.CudaTests;

/// <summary>Reductions, softmax and the losses, DAFL's losses: CUDA against the CPU.</summary>
public sealed partial class CudaBackendParityTests
{
    // ---------------------------------------------------------------- reduce

    static readonly (int[] X, int[] Y, bool Exact)[] SumPatterns =
    [
        ([3, 4, 5], [], false),           // whole sum: chunks then finish
        ([70000], [1], false),            // whole sum over two chunks
        ([3, 4, 5], [3, 4, 1], false),    // rows
        ([3, 4, 5], [1, 4, 5], false),    // columns (O = 1)
        ([3, 4, 5], [3, 1, 5], false),    // columns (O = 3)
        ([2, 6, 7, 3], [6, 1, 1], false), // per channel: reduce, keep, reduce
        ([2, 3, 4, 5], [2, 1, 4, 1], true), // anything else: the generic sum, in the CPU's order
        ([1, 4, 5], [4, 5], true),        // only size-1 dimensions differ: a scaled copy
    ];

    [Test]
    public void SumToEveryPattern()
    {
        int seed = 30;
        foreach (var (xs, ys, exact) in SumPatterns)
        {
            var x = Input(xs, seed++);
            var y = Output(ys);
            Both((b, s) => b.SumTo(s(x), s(y), 0.5f));
            string what = $"SumTo {Tensor.ShapeString(xs)} → {Tensor.ShapeString(ys)}";
            if (exact) Exact(y, what);
            else Close(y, what, 1e-6f);
        }
        var empty = Input([0, 3], 1);
        var mean = Output(1, 3);
        Both((b, s) => b.SumTo(s(empty), s(mean), float.PositiveInfinity));
        Exact(mean, "SumTo of nothing, scaled by 1/0: NaN as in PyTorch");
    }

    [Test]
    public void ExpandIsExact()
    {
        var x = Input([3, 1, 5], 40);
        var y = Output(2, 3, 4, 5);
        Both((b, s) => b.Expand(s(x), s(y), 0.25f));
        Exact(y, "Expand");
    }

    [Test]
    public void ArgmaxTakesTheFirstMaximumAndNaNWins()
    {
        var data = Values(4 * 5 * 6, 41).Select(v => MathF.Round(v * 3)).ToArray(); // many ties
        data[7] = float.NaN;
        data[50] = float.NaN;
        var x = From(data, 4, 5, 6);
        foreach (var (dim, shape) in new[] { (0, new[] { 5, 6 }), (1, new[] { 4, 6 }), (2, new[] { 4, 5 }) })
        {
            var y = Output(shape);
            Both((b, s) => b.Argmax(s(x), s(y), dim));
            Exact(y, $"Argmax dim {dim}");
        }
    }

    // ---------------------------------------------------------------- softmax

    [Test]
    public void SoftmaxAndLogSoftmaxAlongAnyDimension([Values] bool log)
    {
        var x = Input([3, 70, 4], 50, -6f, 6f);
        var gy = Input([3, 70, 4], 51);
        foreach (int dim in new[] { 2, 1, 0 })
        {
            var y = Output(3, 70, 4);
            Both((b, s) => b.Softmax(s(x), s(y), dim, log));
            Close(y, $"softmax dim {dim} log {log}");
            // the backward from the same y on both sides
            var gx = Output(3, 70, 4);
            Both((b, s) => b.SoftmaxBackward(s(y).Detach(), s(gy), s(gx), dim, log));
            Close(gx, $"softmax backward dim {dim} log {log}");
        }
        var wide = Input([5, 1500], 52, -8f, 8f); // rows wider than a block
        var yw = Output(5, 1500);
        Both((b, s) => b.Softmax(s(wide), s(yw), 1, log));
        Close(yw, $"wide rows, log {log}");
    }

    [Test]
    public void CrossEntropyAndItsBackward()
    {
        var logits = Input([37, 10], 53, -5f, 5f);
        var targets = From(Values(37, 54, 0f, 9.999f).Select(MathF.Floor).ToArray(), 37);
        var loss = Output();
        var gLoss = From([1.7f]);
        var g = Output(37, 10);
        Both((b, s) =>
        {
            b.CrossEntropy(s(logits), s(targets), s(loss));
            b.CrossEntropyBackward(s(logits), s(targets), s(gLoss), s(g));
        });
        Close(loss, "CrossEntropy");
        Close(g, "CrossEntropyBackward");

        var bad = targets.C.ToArray();
        bad[12] = 10f;
        var badTargets = From(bad, 37);
        string cpuMessage = Assert.Throws<ArgumentException>(() => Backend.Cpu.CrossEntropy(logits.C, badTargets.C, loss.C))!.Message;
        Assert.That(() => Gpu.CrossEntropy(logits.G, badTargets.G, loss.G), Throws.ArgumentException.With.Message.EqualTo(cpuMessage));
    }

    [Test]
    public void KlDivAndItsBackward()
    {
        var logProbs = Input([9, 13], 55, -4f, 0f);
        var targetData = Values(9 * 13, 56, 0f, 1f);
        targetData[3] = 0f; // xlogy(0, 0) = 0 forward, NaN in the target's gradient
        var target = From(targetData, 9, 13);
        var loss = Output();
        var gLoss = From([0.75f]);
        var gx = Output(9, 13);
        var gt = Output(9, 13);
        Both((b, s) =>
        {
            b.KlDiv(s(logProbs), s(target), s(loss), 1f / 9);
            b.KlDivBackward(s(logProbs), s(target), s(gLoss), s(gx), s(gt), 1f / 9);
        });
        Close(loss, "KlDiv");
        Exact(gx, "KlDivBackward, log-probabilities");
        Close(gt, "KlDivBackward, target (NaN where t = 0)");
        var only = Output(9, 13);
        Both((b, s) => b.KlDivBackward(s(logProbs), s(target), s(gLoss), s(only), null, 2f));
        Exact(only, "KlDivBackward with one output");
    }

    [Test]
    public void KdLossAndItsBackward()
    {
        var student = Input([21, 100], 57, -6f, 6f);
        var teacher = Input([21, 100], 58, -6f, 6f);
        var loss = Output();
        var g = Output(21, 100);
        var gLoss = From([2f]);
        Both((b, s) =>
        {
            b.KdLoss(s(student), s(teacher), s(loss), 4f);
            b.KdLossBackward(s(student), s(teacher), s(gLoss), s(g), 4f);
        });
        Close(loss, "KdLoss");
        Close(g, "KdLossBackward");
    }

    // ---------------------------------------------------------------- dafl

    [Test]
    public void InformationEntropyAndItsBackward()
    {
        var logits = Input([130, 10], 60, -5f, 5f); // three 64-row chunks
        var loss = Output();
        var g = Output(130, 10);
        var gLoss = From([1.3f]);
        Both((b, s) =>
        {
            b.InformationEntropy(s(logits), s(loss), 5f / MathF.Log(10));
            b.InformationEntropyBackward(s(logits), s(gLoss), s(g), 5f / MathF.Log(10));
        });
        Close(loss, "InformationEntropy");
        Close(g, "InformationEntropyBackward");
    }

    [Test]
    public void AbsSumAndItsBackward()
    {
        var data = Values(70001, 61, -2f, 2f);
        data[5] = 0f; // sign(0) = 0
        var x = From(data, 70001);
        var loss = Output();
        var g = Output(70001);
        var gLoss = From([0.5f]);
        Both((b, s) =>
        {
            b.AbsSum(s(x), s(loss), 0.1f);
            b.AbsSumBackward(s(x), s(gLoss), s(g), 0.1f);
        });
        Close(loss, "AbsSum", 1e-6f);
        Exact(g, "AbsSumBackward");
    }
}
