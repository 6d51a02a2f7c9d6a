using DafL.NN;
using DafL.Random;
using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests;

/// <summary>
/// The fused BatchNorm2d → LeakyReLU (the DAFL generator's conv_blocks1/2) against the two ops it replaces: the
/// same bits forward and backward, the same running statistics and batch count, the same state-dict keys.
/// </summary>
public class BatchNormLeakyReluTests : LeakCheckedTest
{
    // The generator's two fused pairs at the mnist-quick preset's width 16 (batch cut to 8): (N, 16, 16, 16) and (N, 8, 32, 32).
    static readonly int[][] GeneratorShapes = [[8, 16, 16, 16], [8, 8, 32, 32], [3, 5, 7, 9]];

    [TestCaseSource(nameof(GeneratorShapes))]
    public void FusedOpEqualsBatchNormThenLeakyReluBitForBit(int[] shape)
    {
        int c = shape[1];
        using var scope = TensorScope.Begin();
        var gen = new Philox(5);
        var x = Tensor.Randn(shape, gen);
        var w = Tensor.Randn([c], gen);
        var b = Tensor.Randn([c], gen);
        foreach (var t in new[] { x, w, b }) t.RequiresGrad = true;
        var gy = Tensor.Randn(shape, gen);
        var (rmFused, rvFused) = (Tensor.Randn([c], gen), Tensor.Ones([c]));
        var (rm, rv) = (rmFused.Clone(), rvFused.Clone());

        var fused = BatchNorm2dLeakyRelu(x, rmFused, rvFused, w, b, 0.2f, eps: 0.8f);
        fused.Backward(gy);
        var (fx, fw, fb) = (x.Grad!.ToArray(), w.Grad!.ToArray(), b.Grad!.ToArray());
        foreach (var t in new[] { x, w, b }) t.ZeroGrad();
        var unfused = LeakyRelu(BatchNorm2d(x, rm, rv, w, b, training: true, eps: 0.8f), 0.2f);
        unfused.Backward(gy);

        Assert.That(fused.GradFn!.Op, Is.EqualTo("batch_norm_leaky_relu"));
        Assert.That(fused.ToArray(), Is.EqualTo(unfused.ToArray()), "y");
        Assert.That(rmFused.ToArray(), Is.EqualTo(rm.ToArray()), "running mean");
        Assert.That(rvFused.ToArray(), Is.EqualTo(rv.ToArray()), "running var");
        Assert.That(fx, Is.EqualTo(x.Grad!.ToArray()), "gx");
        Assert.That(fw, Is.EqualTo(w.Grad!.ToArray()), "gweight");
        Assert.That(fb, Is.EqualTo(b.Grad!.ToArray()), "gbias");
        Assert.That(fx.Any(v => v != 0), "a gradient flows");
    }

    [Test]
    public void SequentialFusesThePairAndKeepsStateAndKeys()
    {
        // Sequential(BN, LeakyReLU) runs the fused op; layer by layer the same modules run the two ops.
        var gen = new Philox(9);
        using var fused = new Sequential(new BatchNorm2d(6, eps: 0.8f), new LeakyReLU(0.2f));
        using var separate = new Sequential(new BatchNorm2d(6, eps: 0.8f), new LeakyReLU(0.2f));
        string[] keys = ["0.weight", "0.bias", "0.running_mean", "0.running_var", "0.num_batches_tracked"];
        Assert.That(fused.StateDict().Select(e => e.Key), Is.EqualTo(keys));
        for (int step = 0; step < 3; step++)
        {
            using var scope = TensorScope.Begin();
            var x = Tensor.Randn([4, 6, 5, 5], gen);
            var y = fused.Forward(x);
            var z = separate[1].Forward(separate[0].Forward(x));
            Assert.That(y.GradFn!.Op, Is.EqualTo("batch_norm_leaky_relu"), "the fused op ran");
            Assert.That(y.ToArray(), Is.EqualTo(z.ToArray()), $"step {step} output");
        }
        var a = fused.StateDict();
        var b = separate.StateDict();
        for (int i = 0; i < a.Count; i++) Assert.That(a[i].Tensor.ToArray(), Is.EqualTo(b[i].Tensor.ToArray()), a[i].Key);
        Assert.That(((BatchNorm2d)fused[0]).NumBatchesTracked.Item(), Is.EqualTo(3f));

        fused.Eval();
        separate.Eval();
        using var evalScope = TensorScope.Begin();
        var xe = Tensor.Randn([4, 6, 5, 5], gen);
        Assert.That(fused.Forward(xe).ToArray(), Is.EqualTo(separate[1].Forward(separate[0].Forward(xe)).ToArray()), "eval: running statistics");
        Assert.That(((BatchNorm2d)fused[0]).NumBatchesTracked.Item(), Is.EqualTo(3f), "eval counts no batch");
    }

    [Test]
    public void ANegativeSlopeIsNotFused()
    {
        // The fused backward reads LeakyReLU's mask from the output's sign, which a negative slope flips.
        using var scope = TensorScope.Begin();
        var x = Tensor.Randn([2, 3, 4, 4], new Philox(3));
        x.RequiresGrad = true;
        Assert.Throws<ArgumentException>(() => BatchNorm2dLeakyRelu(x, null, null, null, null, -0.5f));
        using var seq = new Sequential(new BatchNorm2d(3), new LeakyReLU(-0.5f));
        Assert.That(seq.Forward(x).GradFn!.Op, Is.EqualTo("leaky_relu"));
    }

    [Test]
    public void GradCheckOfInputWeightAndBias()
    {
        // h 2e-3, not batch norm's 1e-2: a central difference that straddles LeakyReLU's kink at 0 is off by up to
        // (1 − slope)·|Δz|/2h, so the step must be small enough that no checked output crosses 0 (float32 loss
        // rounding over 2h stays near 5e-4, below atol).
        using var x = GradCheck.Input([2, 3, 3, 3], 201);
        using var w = GradCheck.Input([3], 202);
        using var b = GradCheck.Input([3], 203);
        GradCheck.Check(i => BatchNorm2dLeakyRelu(i[0], null, null, i[1], i[2], 0.2f, eps: 0.8f), [x, w, b], h: 2e-3);
    }
}
