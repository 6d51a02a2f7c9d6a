using DafL.Autograd;
using DafL.Backends;
using DafL.Errors;
using DafL.Memory;
using DafL.Optim;
using DafL.Random;

using DafL.Tests.Support;

namespace DafL.Tests;

public class OptimTests : LeakCheckedTest
{
    // ------------------------------------------------------------------ helpers

    /// <summary>A parameter-like leaf (requires grad, untracked); the test disposes it.</summary>
    static Tensor Param(params float[] values)
    {
        using var _ = TensorScope.Untracked();
        var p = Tensor.FromArray(values, values.Length);
        p.RequiresGrad = true;
        return p;
    }

    /// <summary>Replaces the gradient, as a backward pass would leave it.</summary>
    static void SetGrad(Tensor p, params float[] values)
    {
        p.ZeroGrad();
        using var _ = TensorScope.Untracked();
        p.Grad = Tensor.FromArray(values, values.Length);
    }

    static void AssertClose(float[] actual, double[] expected, double tol = 1e-6)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        for (int i = 0; i < expected.Length; i++)
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(tol * Math.Max(1, Math.Abs(expected[i]))), $"element {i}");
    }

    static readonly float[] P0 = [1f, -2f, 0.5f];
    static readonly float[][] Grads = [[0.5f, -0.25f, 2f], [-1f, 0.75f, 0.125f], [0.25f, 0.5f, -3f]];

    // ------------------------------------------------------------------ SGD, closed form

    /// <summary>torch.optim.SGD's update, written out in double: three steps with different gradients.</summary>
    static double[] SgdReference(double lr, double momentum, double dampening, double wd, bool nesterov)
    {
        var p = P0.Select(v => (double)v).ToArray();
        var buf = new double[p.Length];
        for (int t = 0; t < Grads.Length; t++)
            for (int i = 0; i < p.Length; i++)
            {
                double d = Grads[t][i] + wd * p[i];
                if (momentum != 0)
                {
                    buf[i] = t == 0 ? d : momentum * buf[i] + (1 - dampening) * d;
                    d = nesterov ? d + momentum * buf[i] : buf[i];
                }
                p[i] -= lr * d;
            }
        return p;
    }

    static float[] RunSgd(float lr, float momentum, float dampening, float wd, bool nesterov)
    {
        using var p = Param(P0);
        using var opt = new Sgd([p], lr, momentum, wd, nesterov, dampening);
        foreach (var g in Grads)
        {
            SetGrad(p, g);
            opt.Step();
        }
        return p.ToArray();
    }

    [Test]
    public void SgdPlainStepIsParamMinusLrTimesGrad()
    {
        using var p = Param(P0);
        using var opt = new Sgd([p], lr: 0.1f);
        SetGrad(p, Grads[0]);
        opt.Step();
        AssertClose(p.ToArray(), [1 - 0.1 * 0.5, -2 + 0.1 * 0.25, 0.5 - 0.1 * 2]);
    }

    [TestCase(0.1f, 0f, 0f, 0f, false, TestName = "SgdPlain")]
    [TestCase(0.1f, 0.9f, 0f, 0f, false, TestName = "SgdMomentum")]
    [TestCase(0.1f, 0.9f, 0f, 5e-4f, false, TestName = "SgdMomentumWeightDecay")]
    [TestCase(0.05f, 0.9f, 0f, 1e-2f, true, TestName = "SgdNesterovWeightDecay")]
    [TestCase(0.05f, 0.8f, 0.3f, 0f, false, TestName = "SgdDampening")]
    [TestCase(0.2f, 0f, 0f, 0.1f, false, TestName = "SgdWeightDecayOnly")]
    public void SgdMatchesClosedForm(float lr, float momentum, float dampening, float wd, bool nesterov) =>
        AssertClose(RunSgd(lr, momentum, dampening, wd, nesterov), SgdReference(lr, momentum, dampening, wd, nesterov));

    [Test]
    public void SgdFirstMomentumStepUsesTheGradientItself()
    {
        // PyTorch starts the buffer as a clone of the first gradient (no dampening), so step one is plain SGD.
        AssertClose(RunSgdOneStep(momentum: 0.9f, dampening: 0.5f), [1 - 0.1 * 0.5, -2 + 0.1 * 0.25, 0.5 - 0.1 * 2]);

        static float[] RunSgdOneStep(float momentum, float dampening)
        {
            using var p = Param(P0);
            using var opt = new Sgd([p], 0.1f, momentum, dampening: dampening);
            SetGrad(p, Grads[0]);
            opt.Step();
            return p.ToArray();
        }
    }

    // ------------------------------------------------------------------ Adam, closed form

    static double[] AdamReference(double lr, double b1, double b2, double eps, double wd, int steps)
    {
        var p = P0.Select(v => (double)v).ToArray();
        var m = new double[p.Length];
        var v = new double[p.Length];
        for (int t = 1; t <= steps; t++)
            for (int i = 0; i < p.Length; i++)
            {
                double g = Grads[t - 1][i] + wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double stepSize = lr / (1 - Math.Pow(b1, t));
                double denom = Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(b2, t)) + eps;
                p[i] -= stepSize * m[i] / denom;
            }
        return p;
    }

    [TestCase(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, TestName = "AdamDefaults")]
    [TestCase(0.2f, 0.5f, 0.999f, 1e-8f, 0f, TestName = "AdamDaflGenerator")]
    [TestCase(2e-3f, 0.9f, 0.99f, 1e-3f, 0.01f, TestName = "AdamWeightDecayLargeEps")]
    public void AdamMatchesClosedForm(float lr, float b1, float b2, float eps, float wd)
    {
        using var p = Param(P0);
        using var opt = new Adam([p], lr, b1, b2, eps, wd);
        foreach (var g in Grads)
        {
            SetGrad(p, g);
            opt.Step();
        }
        AssertClose(p.ToArray(), AdamReference(lr, b1, b2, eps, wd, Grads.Length));
    }

    [Test]
    public void AdamMultiTensorStepEqualsPerTensorStepsBitForBit()
    {
        // 300K elements in tensors of every size, so that the CPU's chunks (32K elements) start and end inside tensors
        // and span several small ones; every tensor at its own step.
        int[][] shapes = [[70001], [3], [16], [17], [40000, 3], [1], [33], [65536], [5, 5, 3, 3], [45000]];
        var gen = new Philox(77);
        using var scope = TensorScope.Begin();
        Tensor[] Draw(bool positive) => shapes.Select(s => positive ? Tensor.Rand(s, gen) : Tensor.Randn(s, gen)).ToArray();
        var (p, g, m, v) = (Draw(false), Draw(false), Draw(false), Draw(true));
        var (p2, m2, v2) = (p.Select(t => t.Clone()).ToArray(), m.Select(t => t.Clone()).ToArray(), v.Select(t => t.Clone()).ToArray());
        var scalars = shapes.Select((_, k) => new AdamScalars(0.5f, 0.5f, 0.999f, 0.001f, k % 2 == 0 ? 0f : 5e-4f,
            (float)(-0.2 / (1 - Math.Pow(0.5, k + 1))), (float)Math.Sqrt(1 - Math.Pow(0.999, k + 1)), 1e-8f)).ToArray();

        Backend.Cpu.AdamStepMulti(p, g, m, v, scalars);
        for (int k = 0; k < shapes.Length; k++) Backend.Cpu.AdamStep(p2[k], g[k], m2[k], v2[k], scalars[k]);

        for (int k = 0; k < shapes.Length; k++)
        {
            Assert.That(p[k].ToArray(), Is.EqualTo(p2[k].ToArray()), $"param {k}");
            Assert.That(m[k].ToArray(), Is.EqualTo(m2[k].ToArray()), $"exp_avg {k}");
            Assert.That(v[k].ToArray(), Is.EqualTo(v2[k].ToArray()), $"exp_avg_sq {k}");
        }
    }

    [Test]
    public void AdamFirstStepMovesEveryElementByAboutLr()
    {
        // Step 1: m̂ = g, v̂ = g², so the update is lr·g/(|g| + eps), the bias corrections cancelling exactly.
        using var p = Param(P0);
        using var opt = new Adam([p], lr: 0.01f);
        SetGrad(p, Grads[0]);
        opt.Step();
        AssertClose(p.ToArray(), [1 - 0.01, -2 + 0.01, 0.5 - 0.01], 1e-6);
    }

    [Test]
    public void AdamCountsStepsPerParameter()
    {
        // b has no gradient at the first step, so its first update is an Adam step 1 (as in PyTorch), not step 2.
        using var a = Param(P0);
        using var b = Param(P0);
        using var opt = new Adam([a, b], lr: 0.01f);
        SetGrad(a, Grads[0]);
        opt.Step();
        SetGrad(a, Grads[1]);
        SetGrad(b, Grads[0]);
        opt.Step();
        Assert.That(opt.StepCount, Is.EqualTo(2));
        AssertClose(b.ToArray(), [1 - 0.01, -2 + 0.01, 0.5 - 0.01], 1e-6);
        AssertClose(a.ToArray(), AdamReference(0.01, 0.9, 0.999, 1e-8, 0, 2));
    }

    [Test]
    public void ParametersWithoutGradientAreLeftAlone()
    {
        using var a = Param(P0);
        using var opt = new Sgd([a], 0.1f, momentum: 0.9f);
        opt.Step();
        Assert.That(a.ToArray(), Is.EqualTo(P0));
        Assert.That(opt.StateTensors(), Is.Empty);
    }

    // ------------------------------------------------------------------ bit-exact against torch.optim

    // 45 elements: two Vector512 blocks, one Vector256 block and a 5-element scalar tail (all Vector256 and a tail
    // without AVX-512). Values are exact binary fractions so that the test and the script build the same inputs.
    const int N = 45;
    static float P(int i) => ((i * 37) % 101 - 50) / 16f;
    static float G(int i, int t) => ((i * 53 + 7 * t) % 97 - 48) / 32f;
    static readonly int[] Probe = [0, 7, 16, 31, 32, 40, 44];

    /// <summary>
    /// Made once with PyTorch 1.13 (/usr/bin/python3, CPU): p = torch.nn.Parameter(tensor([P(i)])), then for
    /// t = 1..3: p.grad = tensor([G(i, t)]); opt.step(); the float32 bits of p at <see cref="Probe"/>.
    /// </summary>
    static readonly Dictionary<string, uint[]> TorchBits = new()
    {
        // SGD(lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
        ["sgd"] = [0xC00F0984, 0xBDE1565A, 0x3FB1DABA, 0x3E29016D, 0x3F9261ED, 0x3F995ED7, 0xBFCAFD82],
        // SGD(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=1e-3)
        ["sgd_damp"] = [0xC037C753, 0x3E7C32FA, 0x40047747, 0xBF14AE75, 0x3FAEF4AB, 0x3F7AA015, 0xC0098C92],
        // Adam(lr=2e-3, betas=(0.5, 0.999), eps=1e-8, weight_decay=5e-4)
        ["adam"] = [0xC047A225, 0x3EDE147E, 0x40139A93, 0xBF5E85BD, 0x3FB72F9D, 0x3F800734, 0xC017A2CB],
        // Adam(lr=0.2, betas=(0.5, 0.999)): DAFL's generator optimizer
        ["adam_g"] = [0xC0235736, 0x3D80156D, 0x3FD8C29E, 0xBE987C2C, 0x3F4D3252, 0x3F82D44F, 0xBFE7300E],
    };

    [TestCase("sgd")]
    [TestCase("sgd_damp")]
    [TestCase("adam")]
    [TestCase("adam_g")]
    public void StepsEqualTorchOptimBitForBit(string which)
    {
        using var p = Param(Enumerable.Range(0, N).Select(P).ToArray());
        using Optimizer opt = which switch
        {
            "sgd" => new Sgd([p], 0.1f, 0.9f, 5e-4f, nesterov: true),
            "sgd_damp" => new Sgd([p], 0.05f, 0.8f, 1e-3f, dampening: 0.3f),
            "adam" => new Adam([p], 2e-3f, 0.5f, 0.999f, 1e-8f, 5e-4f),
            _ => new Adam([p], 0.2f, 0.5f, 0.999f),
        };
        for (int t = 1; t <= 3; t++)
        {
            SetGrad(p, Enumerable.Range(0, N).Select(i => G(i, t)).ToArray());
            opt.Step();
        }
        var result = p.ToArray();
        var bits = Probe.Select(i => BitConverter.SingleToUInt32Bits(result[i])).ToArray();
        Assert.That(bits, Is.EqualTo(TorchBits[which]), $"{which}: got {string.Join(", ", Probe.Select(i => result[i].ToString("R")))}");
    }

    // ------------------------------------------------------------------ groups

    [Test]
    public void GroupsKeepTheirOwnLearningRate()
    {
        using var a = Param(P0);
        using var b = Param(P0);
        using var opt = new Sgd([new ParamGroup([a]), new ParamGroup([b], lr: 0.5f)], lr: 0.1f);
        Assert.That(opt.ParamGroups.Select(g => g.Lr), Is.EqualTo(new[] { 0.1, 0.5 }));
        SetGrad(a, 1f, 1f, 1f);
        SetGrad(b, 1f, 1f, 1f);
        opt.Step();
        AssertClose(a.ToArray(), [0.9, -2.1, 0.4]);
        AssertClose(b.ToArray(), [0.5, -2.5, 0.0]);
        opt.ParamGroups[1].Lr = 0.25;
        opt.Step();
        AssertClose(b.ToArray(), [0.25, -2.75, -0.25]);
    }

    [Test]
    public void HyperparametersAreTheDecimalsWritten()
    {
        // 0.9f widened is 0.89999997615814209; PyTorch computes with the Python float 0.9.
        using var p = Param(P0);
        using var opt = new Adam([p], lr: 0.2f, beta1: 0.9f);
        Assert.That(opt.Beta1, Is.EqualTo(0.9));
        Assert.That(opt.LearningRate, Is.EqualTo(0.2));
    }

    // ------------------------------------------------------------------ checkpoint state

    [Test]
    public void StateRoundTripContinuesExactly()
    {
        using var a = Param(P0);
        using var b = Param(P0);
        using (var first = new Adam([a], 0.01f))
        using (var resumed = new Adam([b], 0.01f))
        {
            SetGrad(a, Grads[0]);
            first.Step();
            SetGrad(b, Grads[0]);
            using (var warm = new Adam([b], 0.01f))
            {
                warm.Step();
                var saved = warm.StateTensors();
                Assert.That(saved.Select(s => s.Key), Is.EqualTo(new[] { "0.step", "0.exp_avg", "0.exp_avg_sq" }));
                Assert.That(saved[0].Tensor.Item(), Is.EqualTo(1f));
                resumed.LoadState(saved.ToDictionary(s => s.Key, s => s.Tensor), warm.StepCount, "test");
            }
            Assert.That(resumed.StepCount, Is.EqualTo(1));
            SetGrad(a, Grads[1]);
            SetGrad(b, Grads[1]);
            first.Step();
            resumed.Step();
            Assert.That(b.ToArray(), Is.EqualTo(a.ToArray()));
        }
    }

    [Test]
    public void SgdMomentumStateRoundTrip()
    {
        using var a = Param(P0);
        using var opt = new Sgd([a], 0.1f, 0.9f);
        SetGrad(a, Grads[0]);
        opt.Step();
        var state = opt.StateTensors().ToDictionary(s => s.Key, s => s.Tensor);
        Assert.That(state.Keys, Is.EquivalentTo(new[] { "0.step", "0.momentum_buffer" }));
        Assert.That(state["0.momentum_buffer"].ToArray(), Is.EqualTo(Grads[0]));
        using var b = Param(P0);
        using var other = new Sgd([b], 0.1f, 0.9f);
        other.LoadState(state, 1, "test");
        // The restored buffer is used (not restarted from the gradient): buf = 0.9·g0 + g1.
        SetGrad(b, Grads[1]);
        other.Step();
        AssertClose(b.ToArray(), P0.Select((v, i) => v - 0.1 * (0.9 * Grads[0][i] + Grads[1][i])).ToArray());
    }

    [Test]
    public void LoadStateRejectsBadStateNamingTheKey()
    {
        using var a = Param(P0);
        using var opt = new Adam([a], 0.01f);
        using var _ = TensorScope.Begin();
        var step = Tensor.Scalar(3f);
        var good = Tensor.Zeros([3]);
        var wrongShape = Tensor.Zeros([4]);
        var halfStep = Tensor.Scalar(2.5f);
        var vectorStep = Tensor.FromArray([3f], 1);
        var cases = new (Dictionary<string, Tensor> State, string Field, string Expect)[]
        {
            (new() { ["0.step"] = step, ["0.exp_avg"] = good, ["0.exp_avg_sq"] = good, ["0.momentum_buffer"] = good }, "optimizer state keys", "found '0.momentum_buffer'"),
            (new() { ["0.step"] = step, ["0.exp_avg"] = good }, "optimizer state '0.exp_avg_sq'", "found none"),
            (new() { ["0.step"] = step, ["0.exp_avg"] = good, ["0.exp_avg_sq"] = wrongShape }, "optimizer state '0.exp_avg_sq' shape", "expected [3] (parameter 0), found [4]"),
            (new() { ["0.step"] = halfStep, ["0.exp_avg"] = good, ["0.exp_avg_sq"] = good }, "optimizer state '0.step'", "expected one whole number from 0 to 2³¹ − 1 (a 0-d tensor), found 2.5"),
            (new() { ["0.step"] = good, ["0.exp_avg"] = good, ["0.exp_avg_sq"] = good }, "optimizer state '0.step'", "found a tensor of shape [3]"),
            (new() { ["0.step"] = vectorStep, ["0.exp_avg"] = good, ["0.exp_avg_sq"] = good }, "optimizer state '0.step'", "found a tensor of shape [1]"),
            (new() { ["1.step"] = step }, "optimizer state keys", "found '1.step'"),
            (new() { ["0.exp_avg"] = good, ["0.exp_avg_sq"] = good }, "optimizer state '0.step'", "found none"),
        };
        foreach (var (state, field, expect) in cases)
        {
            var e = Assert.Throws<InputException>(() => opt.LoadState(state, 3, "ckpt.safetensors"))!;
            Assert.That(e.Problem.Source, Is.EqualTo("ckpt.safetensors"));
            Assert.That(e.Problem.Field, Is.EqualTo(field), e.Message);
            Assert.That(e.Message, Does.Contain(expect));
        }
        Assert.That(() => opt.LoadState(new Dictionary<string, Tensor>(), -1, "ckpt.safetensors"),
            Throws.InstanceOf<InputException>().With.Message.EqualTo("ckpt.safetensors: optimizer step count: expected a whole number ≥ 0, found -1."));
        Assert.That(opt.StateTensors(), Is.Empty, "a failed load leaves the state as it was");
    }

    // ------------------------------------------------------------------ argument errors

    [Test]
    public void BadArgumentsThrowNamingTheOptimizer()
    {
        using var a = Param(P0);
        Assert.That(() => new Sgd([a], -0.1f), Throws.ArgumentException.With.Message.Contains("Sgd").And.Message.Contains("-0.1"));
        Assert.That(() => new Sgd([a], 0.1f, nesterov: true), Throws.ArgumentException.With.Message.Contains("Nesterov"));
        Assert.That(() => new Sgd([a], 0.1f, 0.9f, nesterov: true, dampening: 0.1f), Throws.ArgumentException.With.Message.Contains("dampening"));
        Assert.That(() => new Adam([a], 0.1f, beta1: 1f), Throws.ArgumentException.With.Message.Contains("betas"));
        Assert.That(() => new Adam([a, a]), Throws.ArgumentException.With.Message.Contains("more than once"));
        Assert.That(() => new Adam(Array.Empty<Tensor>()), Throws.ArgumentException.With.Message.Contains("empty parameter list"));
        var group = new ParamGroup([a]);
        using (new Sgd([group], 0.1f))
            Assert.That(() => new Sgd([group], 0.1f), Throws.ArgumentException.With.Message.Contains("already belongs"));
        using var scope = TensorScope.Begin();
        var derived = a * 2f;
        Assert.That(() => new Sgd([derived], 0.1f), Throws.ArgumentException.With.Message.Contains("non-leaf"));
    }

    // ------------------------------------------------------------------ schedules

    static Sgd OneParamSgd(Tensor p, float lr) => new([p], lr, momentum: 0.9f);

    [Test]
    public void MultiStepLrMatchesTorch()
    {
        // torch 1.13: MultiStepLR(SGD([p], lr=0.1), milestones=[3, 5, 5], gamma=0.1), lr read before each step().
        double[] torch = [0.1, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.00010000000000000005, 0.00010000000000000005, 0.00010000000000000005];
        using var p = Param(P0);
        using var opt = OneParamSgd(p, 0.1f);
        var s = new MultiStepLr(opt, [5, 3, 5], 0.1f);
        for (int epoch = 0; epoch < torch.Length; epoch++)
        {
            Assert.That(opt.LearningRate, Is.EqualTo(torch[epoch]).Within(1e-15), $"epoch {epoch}");
            s.Step();
        }
    }

    [Test]
    public void CosineAnnealingLrMatchesTorch()
    {
        // torch 1.13: CosineAnnealingLR(SGD([p], lr=0.1), T_max=4, eta_min=0.001), lr read before each step();
        // after T_max the rate climbs back along the cosine.
        double[] torch = [0.1, 0.0855017856687341, 0.0505, 0.0154982143312659, 0.001, 0.015498214331265896, 0.05050000000000001,
            0.08550178566873413, 0.10000000000000003, 0.08550178566873413, 0.05050000000000003];
        using var p = Param(P0);
        using var opt = OneParamSgd(p, 0.1f);
        var s = new CosineAnnealingLr(opt, 4, 0.001f);
        for (int epoch = 0; epoch < torch.Length; epoch++)
        {
            Assert.That(opt.LearningRate, Is.EqualTo(torch[epoch]).Within(1e-15), $"epoch {epoch}");
            s.Step();
        }
    }

    [Test]
    public void SchedulesScaleEachGroupAndResumeAtAnyEpoch()
    {
        using var a = Param(P0);
        using var b = Param(P0);
        using var opt = new Sgd([new ParamGroup([a]), new ParamGroup([b], lr: 0.02f)], lr: 0.1f, momentum: 0.9f);
        var s = new MultiStepLr(opt, [800, 1600]); // the DAFL CIFAR student's schedule
        Assert.That(s.BaseLrs, Is.EqualTo(new[] { 0.1, 0.02 }));
        s.SetEpoch(799);
        Assert.That(opt.ParamGroups.Select(g => g.Lr), Is.EqualTo(new[] { 0.1, 0.02 }).Within(1e-15));
        s.Step();
        Assert.That(s.Epoch, Is.EqualTo(800));
        Assert.That(opt.ParamGroups.Select(g => g.Lr), Is.EqualTo(new[] { 0.01, 0.002 }).Within(1e-15));
        s.SetEpoch(1999);
        Assert.That(opt.ParamGroups.Select(g => g.Lr), Is.EqualTo(new[] { 0.001, 0.0002 }).Within(1e-15));
        s.SetEpoch(0);
        Assert.That(opt.LearningRate, Is.EqualTo(0.1));
        Assert.That(() => s.SetEpoch(-1), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => new CosineAnnealingLr(opt, 0), Throws.ArgumentException.With.Message.Contains("T_max"));
    }

    [Test]
    public void StepRunsWithoutRecordingAGraph()
    {
        using var p = Param(P0);
        using var opt = new Sgd([p], 0.1f);
        SetGrad(p, Grads[0]);
        opt.Step();
        Assert.That(p.IsLeaf && p.RequiresGrad && GradMode.IsEnabled, Is.True);
    }
}
