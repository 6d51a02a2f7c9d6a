using DafL.Errors;
using DafL.IO;
using DafL.Memory;
using DafL.NN;
using DafL.Random;
using static DafL.Ops.Functional;

using DafL.Tests.Support;

namespace DafL.Tests;

public class ModuleTests : LeakCheckedTest
{
    // ------------------------------------------------------------------ models under test

    /// <summary>nn.Sequential(Conv2d(3, 4, 3, bias=False), BatchNorm2d(4), ReLU(), MaxPool2d(2), Flatten(), Linear(36, 5)) on 8×8 inputs.</summary>
    static Sequential SmallNet(ulong seed)
    {
        var gen = new Philox(seed);
        return new Sequential(new Conv2d(3, 4, 3, gen, bias: false), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(36, 5, gen));
    }

    /// <summary>A ResNet-shaped block: conv1, bn1 and a shortcut Sequential(conv 1×1, BN without affine).</summary>
    sealed class Block : Layer
    {
        readonly Conv2d _conv1;
        readonly BatchNorm2d _bn1;
        readonly Sequential _shortcut;

        public Block(Philox gen)
        {
            _conv1 = RegisterModule("conv1", new Conv2d(4, 4, 3, gen, padding: 1, bias: false));
            _bn1 = RegisterModule("bn1", new BatchNorm2d(4));
            _shortcut = RegisterModule("shortcut", new Sequential(new Conv2d(4, 4, 1, gen, bias: false), new BatchNorm2d(4, affine: false)));
        }

        public override Tensor Forward(Tensor x) => Relu(_bn1.Forward(_conv1.Forward(x)) + _shortcut.Forward(x));
    }

    /// <summary>conv1, bn1, layer1 = Sequential(Block), linear: the key structure of the CIFAR ResNets.</summary>
    sealed class Net : Module
    {
        public Net(Philox gen)
        {
            RegisterModule("conv1", new Conv2d(3, 4, 3, gen, padding: 1));
            RegisterModule("bn1", new BatchNorm2d(4));
            RegisterModule("layer1", new Sequential(new Block(gen)));
            RegisterModule("linear", new Linear(4, 2, gen));
        }

        public void RegisterAgain(string name) => RegisterModule(name, new ReLU());

        /// <summary>A rejected tensor stays its creator's to dispose.</summary>
        public void RegisterBufferNamed(string name)
        {
            using var scope = TensorScope.Begin();
            RegisterBuffer(name, Tensor.Zeros([1]));
        }
    }

    // ------------------------------------------------------------------ keys, order, counts

    [Test]
    public void SequentialStateDictHasPyTorchKeysShapesAndOrder()
    {
        // torch 1.13: list((k, list(v.shape)) for k, v in <the same nn.Sequential>.state_dict().items())
        (string, int[])[] torch =
        [
            ("0.weight", [4, 3, 3, 3]), ("1.weight", [4]), ("1.bias", [4]), ("1.running_mean", [4]), ("1.running_var", [4]),
            ("1.num_batches_tracked", []), ("5.weight", [5, 36]), ("5.bias", [5]),
        ];
        using var net = SmallNet(1);
        var state = net.StateDict();
        Assert.That(state.Select(s => s.Key), Is.EqualTo(torch.Select(t => t.Item1)));
        for (int i = 0; i < torch.Length; i++) Assert.That(state[i].Tensor.Shape, Is.EqualTo(torch[i].Item2), torch[i].Item1);
        Assert.That(net.ParameterCount(), Is.EqualTo(301), "torch: sum(p.numel() for p in parameters())");
        Assert.That(net.NamedParameters().Select(p => p.Name), Is.EqualTo(new[] { "0.weight", "1.weight", "1.bias", "5.weight", "5.bias" }));
        Assert.That(net.NamedBuffers().Select(b => b.Name), Is.EqualTo(new[] { "1.running_mean", "1.running_var", "1.num_batches_tracked" }));
        Assert.That(net.Parameters().All(p => p.RequiresGrad && p.IsLeaf), Is.True);
        Assert.That(net.Buffers().Any(b => b.RequiresGrad), Is.False);
    }

    [Test]
    public void NestedModulesHavePyTorchKeys()
    {
        // torch 1.13: list(Net().state_dict().keys()) for the same structure written with torch.nn.
        string[] torch =
        [
            "conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked",
            "layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias", "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var",
            "layer1.0.bn1.num_batches_tracked", "layer1.0.shortcut.0.weight", "layer1.0.shortcut.1.running_mean",
            "layer1.0.shortcut.1.running_var", "layer1.0.shortcut.1.num_batches_tracked", "linear.weight", "linear.bias",
        ];
        using var net = new Net(new Philox(3));
        Assert.That(net.StateDict().Select(s => s.Key), Is.EqualTo(torch));
        Assert.That(net.ParameterCount(), Is.EqualTo(298), "torch: sum(p.numel() for p in parameters())");
        Assert.That(net.NamedChildren().Select(c => c.Name), Is.EqualTo(new[] { "conv1", "bn1", "layer1", "linear" }));
    }

    [Test]
    public void RegistrationRejectsClashingAndDottedNames()
    {
        using var net = new Net(new Philox(3));
        Assert.That(() => net.RegisterAgain("bn1"), Throws.ArgumentException.With.Message.Contains("'bn1' is already registered"));
        Assert.That(() => net.RegisterAgain("a.b"), Throws.ArgumentException.With.Message.Contains("'a.b'"));
        Assert.That(() => net.RegisterBufferNamed("linear"), Throws.ArgumentException.With.Message.Contains("'linear'"));
    }

    // ------------------------------------------------------------------ initialisation

    [Test]
    public void InitialisationFollowsPyTorchDefaultsAndTheSeed()
    {
        using var a = SmallNet(7);
        using var b = SmallNet(7);
        using var c = SmallNet(8);
        var sa = a.StateDict();
        var sb = b.StateDict();
        for (int i = 0; i < sa.Count; i++) Assert.That(sb[i].Tensor.ToArray(), Is.EqualTo(sa[i].Tensor.ToArray()), sa[i].Key);
        Assert.That(c.StateDict()[0].Tensor.ToArray(), Is.Not.EqualTo(sa[0].Tensor.ToArray()));

        var bn = (BatchNorm2d)a[1];
        Assert.That(bn.Weight!.ToArray(), Is.All.EqualTo(1f));
        Assert.That(bn.Bias!.ToArray(), Is.All.EqualTo(0f));
        Assert.That(bn.RunningMean.ToArray(), Is.All.EqualTo(0f));
        Assert.That(bn.RunningVar.ToArray(), Is.All.EqualTo(1f));
        Assert.That(bn.NumBatchesTracked.Item(), Is.EqualTo(0f));

        float convBound = 1 / MathF.Sqrt(3 * 3 * 3), linearBound = 1 / MathF.Sqrt(36);
        Assert.That(((Conv2d)a[0]).Weight.ToArray(), Is.All.InRange(-convBound, convBound));
        Assert.That(((Linear)a[5]).Weight.ToArray(), Is.All.InRange(-linearBound, linearBound));
        Assert.That(((Linear)a[5]).Bias!.ToArray(), Is.All.InRange(-linearBound, linearBound));
    }

    [Test]
    public void DefaultInitialisationIsUniformWithTheKaimingBound()
    {
        // kaiming_uniform_(a=√5) on fan_in 400: U(−0.05, 0.05), mean 0, variance 0.05²/3.
        using var layer = new Linear(400, 250, new Philox(11));
        var w = layer.Weight.ToArray();
        double mean = w.Average(), var = w.Select(v => (v - mean) * (v - mean)).Average();
        Assert.That(w, Is.All.InRange(-0.05f, 0.05f));
        Assert.That(mean, Is.EqualTo(0).Within(0.001));
        Assert.That(var, Is.EqualTo(0.05 * 0.05 / 3).Within(0.02 * 0.05 * 0.05 / 3));
        Assert.That(w.Max(), Is.GreaterThan(0.0499f));
        Assert.That(w.Min(), Is.LessThan(-0.0499f));
    }

    [Test]
    public void ParametersOutliveTheScopeTheyWereMadeIn()
    {
        Sequential net;
        using (TensorScope.Begin()) net = SmallNet(1);
        using (net)
            Assert.That(net.StateDict().All(s => !s.Tensor.IsDisposed), Is.True);
    }

    // ------------------------------------------------------------------ forward wiring

    [Test]
    public void SequentialForwardIsTheComposedOps()
    {
        using var net = SmallNet(5);
        net.Eval();
        using var scope = TensorScope.Begin();
        var x = Tensor.Randn([2, 3, 8, 8], new Philox(9));
        var y = net.Forward(x);
        var conv = (Conv2d)net[0];
        var bn = (BatchNorm2d)net[1];
        var fc = (Linear)net[5];
        var h = Conv2d(x, conv.Weight, null);
        h = BatchNorm2d(h, bn.RunningMean, bn.RunningVar, bn.Weight, bn.Bias, training: false);
        h = MaxPool2d(Relu(h), 2, 2).Flatten(1);
        var expected = Linear(h, fc.Weight, fc.Bias);
        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 5 }));
        Assert.That(y.ToArray(), Is.EqualTo(expected.ToArray()));
    }

    [Test]
    public void SmallLayersComputeTheirOps()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([-1f, 2f, -3f, 4f, 0.5f, -0.5f, 1f, -2f], 1, 2, 2, 2);
        using var leaky = new LeakyReLU(0.2f);
        Assert.That(leaky.Forward(x).ToArray(), Is.EqualTo(new[] { -0.2f, 2f, -0.6f, 4f, 0.5f, -0.1f, 1f, -0.4f }).Within(1e-6f));
        using var tanh = new NN.Tanh();
        Assert.That(tanh.Forward(x).ToArray()[1], Is.EqualTo(MathF.Tanh(2f)).Within(1e-6f));
        using var max = new MaxPool2d(2);
        Assert.That(max.Forward(x).ToArray(), Is.EqualTo(new[] { 4f, 1f }));
        using var avg = new AvgPool2d(2);
        Assert.That(avg.Forward(x).ToArray(), Is.EqualTo(new[] { 0.5f, -0.25f }));
        using var up = new Upsample(2);
        Assert.That(up.Forward(x).Shape, Is.EqualTo(new[] { 1, 2, 4, 4 }));
        using var flat = new Flatten();
        Assert.That(flat.Forward(x).Shape, Is.EqualTo(new[] { 1, 8 }));
        using var empty = new Sequential();
        Assert.That(empty.Forward(x).ToArray(), Is.EqualTo(x.ToArray()));
    }

    [Test]
    public void BadConstructorArgumentsThrow()
    {
        var gen = new Philox(1);
        Assert.That(() => new Conv2d(3, 4, 3, gen, padding: -1), Throws.ArgumentException.With.Message.Contains("Conv2d"));
        Assert.That(() => new Linear(0, 4, gen), Throws.ArgumentException.With.Message.Contains("Linear"));
        Assert.That(() => new BatchNorm2d(4, eps: 0f), Throws.ArgumentException.With.Message.Contains("eps"));
        Assert.That(() => new MaxPool2d(0), Throws.ArgumentException.With.Message.Contains("MaxPool2d"));
        Assert.That(() => new Upsample(0), Throws.ArgumentException.With.Message.Contains("Upsample"));
    }

    // ------------------------------------------------------------------ modes and BatchNorm state

    [Test]
    public void TrainAndEvalReachEveryDescendant()
    {
        using var net = new Net(new Philox(3));
        var all = Descendants(net).ToList();
        Assert.That(all, Has.Count.EqualTo(10));
        Assert.That(all.All(m => m.IsTraining), Is.True);
        net.Eval();
        Assert.That(all.Any(m => m.IsTraining), Is.False);
        net.Train();
        Assert.That(all.All(m => m.IsTraining), Is.True);

        static IEnumerable<Module> Descendants(Module m) => m.NamedChildren().SelectMany(c => Descendants(c.Module).Prepend(c.Module));
    }

    [Test]
    public void BatchNormCountsTrainingBatchesAndMovesRunningStatistics()
    {
        using var bn = new BatchNorm2d(2, momentum: 0.5f);
        using (var scope = TensorScope.Begin())
        {
            // Channel 0 holds 1, 3 (mean 2, unbiased variance 2); channel 1 holds 0, 0.
            var x = Tensor.FromArray([1f, 3f, 0f, 0f], 1, 2, 2, 1);
            bn.Forward(x);
            bn.Forward(x);
            Assert.That(bn.NumBatchesTracked.Item(), Is.EqualTo(2f));
            Assert.That(bn.RunningMean.ToArray(), Is.EqualTo(new[] { 1.5f, 0f }).Within(1e-6f)); // 0 → 1 → 1.5
            Assert.That(bn.RunningVar.ToArray(), Is.EqualTo(new[] { 1.75f, 0.25f }).Within(1e-6f)); // 1 → 1.5 → 1.75; 1 → 0.5 → 0.25
            bn.Eval();
            var y = bn.Forward(x);
            Assert.That(bn.NumBatchesTracked.Item(), Is.EqualTo(2f), "eval does not count");
            Assert.That(y.ToArray()[0], Is.EqualTo((1 - 1.5f) / MathF.Sqrt(1.75f + 1e-5f)).Within(1e-6f));
        }
    }

    [Test]
    public void ZeroGradAndFreezeClearGradients()
    {
        using var net = SmallNet(2);
        using (var scope = TensorScope.Begin())
        {
            var loss = Sum(net.Forward(Tensor.Randn([2, 3, 8, 8], new Philox(4))));
            loss.Backward();
        }
        Assert.That(net.Parameters().All(p => p.Grad != null), Is.True);
        net.ZeroGrad();
        Assert.That(net.Parameters().Any(p => p.Grad != null), Is.False);
        net.Freeze();
        Assert.That(net.Parameters().Any(p => p.RequiresGrad), Is.False);
    }

    // ------------------------------------------------------------------ loading

    [Test]
    public void StateDictRoundTripsThroughSafeTensors()
    {
        string path = Path.Combine(Path.GetTempPath(), $"dafl-module-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var trained = SmallNet(1);
            using (var scope = TensorScope.Begin())
                trained.Forward(Tensor.Randn([4, 3, 8, 8], new Philox(2))); // moves the BN statistics, counts 1
            SafeTensors.Save(path, trained.StateDict());

            using var fresh = SmallNet(99);
            using (var file = SafeTensors.Load(path))
            {
                var result = fresh.LoadStateDict(file.Tensors, source: path);
                Assert.That(result.MissingKeys, Is.Empty);
                Assert.That(result.UnexpectedKeys, Is.Empty);
            }
            var a = trained.StateDict();
            var b = fresh.StateDict();
            for (int i = 0; i < a.Count; i++) Assert.That(b[i].Tensor.ToArray(), Is.EqualTo(a[i].Tensor.ToArray()), a[i].Key);
            Assert.That(((BatchNorm2d)fresh[1]).NumBatchesTracked.Item(), Is.EqualTo(1f));

            trained.Eval();
            fresh.Eval();
            using var s2 = TensorScope.Begin();
            var x = Tensor.Randn([2, 3, 8, 8], new Philox(3));
            Assert.That(fresh.Forward(x).ToArray(), Is.EqualTo(trained.Forward(x).ToArray()));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void StrictLoadNamesMissingUnexpectedAndMisshapenKeys()
    {
        using var target = SmallNet(1);
        using var source = SmallNet(2);
        using var scope = TensorScope.Begin();
        var before = target.StateDict().Select(s => s.Tensor.ToArray()).ToList();
        var state = source.StateDict().ToDictionary(s => s.Key, s => s.Tensor);

        var missing = new Dictionary<string, Tensor>(state);
        missing.Remove("1.running_var");
        missing["extra.weight"] = Tensor.Zeros([1]);
        var e = Assert.Throws<InputException>(() => target.LoadStateDict(missing, source: "teacher.safetensors"));
        Assert.That(e!.Problem, Is.EqualTo(new InputProblem("teacher.safetensors", "keys", $"the {state.Count} keys of a Sequential",
            "1 missing (1.running_var) and 1 unexpected (extra.weight)")));

        var misshapen = new Dictionary<string, Tensor>(state) { ["5.weight"] = Tensor.Zeros([5, 37]) };
        e = Assert.Throws<InputException>(() => target.LoadStateDict(misshapen, source: "teacher.safetensors"));
        Assert.That(e!.Message, Is.EqualTo("teacher.safetensors: tensor '5.weight' shape: expected [5, 36] (Sequential), found [5, 37]."));

        var after = target.StateDict().Select(s => s.Tensor.ToArray()).ToList();
        Assert.That(after, Is.EqualTo(before), "a failed load changes nothing");

        var loose = target.LoadStateDict(missing, strict: false);
        Assert.That(loose.MissingKeys, Is.EqualTo(new[] { "1.running_var" }));
        Assert.That(loose.UnexpectedKeys, Is.EqualTo(new[] { "extra.weight" }));
        Assert.That(target.StateDict()[0].Tensor.ToArray(), Is.EqualTo(state["0.weight"].ToArray()));
        Assert.That(() => target.LoadStateDict(misshapen, strict: false), Throws.InstanceOf<InputException>(), "shapes are checked even when not strict");
    }

    [TestCase(-1f)]
    [TestCase(2.5f)]
    [TestCase(float.NaN)]
    public void ABatchNormCountThatIsNoCountIsRefused(float count)
    {
        using var target = SmallNet(1);
        using var scope = TensorScope.Begin();
        var state = target.StateDict().ToDictionary(s => s.Key, s => s.Tensor);
        state["1.num_batches_tracked"] = Tensor.Scalar(count);
        var e = Assert.Throws<InputException>(() => target.LoadStateDict(state, source: "student.safetensors"))!;
        Assert.That(e.Problem, Is.EqualTo(new InputProblem("student.safetensors", "tensor '1.num_batches_tracked'", "a count, a whole number ≥ 0",
            count.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }
}
