using DafL.Backends.Conformance;
using DafL.Backends.Cuda;
using DafL.Cli.Options;
using DafL.Data;
using DafL.Backends.Dispatch;
using DafL.IO;
using DafL.Models;
using DafL.Random;
using DafL.Tests.CudaTests;
using DafL.Tests.Support;
using DafL.Training;
using DafL.Training.Diagnostics;

namespace DafL.Tests.Training;

/// <summary>
/// The training stack on the real CUDA backend (the mock GPU in CI): every tensor lives on the device, the numbers
/// are the CPU run's within the tolerances of cuBLAS's and cuDNN's other summation order, and checkpoints move
/// between devices bit for bit.
/// </summary>
public class DeviceTrainingTests : CudaBackendTest
{
    /// <summary>
    /// Weights after a few Adam steps, relative to each tensor's largest magnitude. Adam's update lr·m/√v divides by
    /// the element's own gradient, so an element whose gradient is small beside its tensor's largest carries that
    /// gradient's relative rounding, not the tensor's, into its update: measured on the mock, at most 9.6e-5 (the
    /// student's conv3.weight after two DAFL steps). 1e-3 leaves ten times that for cuDNN's algorithms on a GPU and
    /// is still fifty times less than one element's update going the other way (2·lr_S over conv3's largest weight).
    /// </summary>
    const double AdamWeights = 1e-3;
    const string AdamWeightsWhy = "a few Adam steps: m/√v carries a small gradient's rounding into its update";

    string _dir = "";

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("dafl-device-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    static DistillConfig Tiny(int epochs, Device device) => DistillPresets.Get("mnist-quick") with
    {
        BatchSize = 8, Epochs = epochs, ItersPerEpoch = 2, GeneratorWidth = 8, LatentDim = 12, Seed = 3, Device = device,
    };

    static LeNet5 Teacher() => LeNet5.Full(new Philox(99));

    static List<float[]> Values(NN.Module m) => m.StateDict().Select(e => e.Tensor.ToArray()).ToList();

    /// <summary>
    /// Each of the five losses within <see cref="DaflStepComparison.Tolerance"/> (FP32) of the CPU's, measured as
    /// that comparison measures: |cuda − cpu| / max(|cpu|, 1e-3).
    /// </summary>
    static void SameLosses(StepLosses cpu, StepLosses cuda, string step)
    {
        double tolerance = DaflStepComparison.Tolerance(tf32: false);
        (string Name, double Cpu, double Cuda)[] losses =
        [
            ("total", cpu.Total, cuda.Total), ("one-hot", cpu.OneHot, cuda.OneHot), ("information entropy", cpu.InformationEntropy, cuda.InformationEntropy),
            ("activation", cpu.Activation, cuda.Activation), ("kd", cpu.Kd, cuda.Kd),
        ];
        foreach (var (name, expected, actual) in losses)
            Assert.That(actual, Is.EqualTo(expected).Within(tolerance * Math.Max(Math.Abs(expected), 1e-3)), $"{step}: {name} loss");
    }

    /// <summary>Keeps the resumable state a run leaves after each epoch (in after-N/) and the epoch's mean losses.</summary>
    sealed class StateKeeper(string runDir) : ITrainingObserver
    {
        public List<StepLosses> Losses { get; } = [];

        public void OnIteration(int epoch, int iteration, int iterationsPerEpoch) { }

        public void OnEpoch(EpochSummary summary)
        {
            var l = summary.Losses;
            Losses.Add(new StepLosses(l["total"], l["one_hot"], l["info_entropy"], l["activation"], l["kd"]));
            string copy = Directory.CreateDirectory(Path.Combine(runDir, $"after-{summary.Epoch}")).FullName;
            foreach (var file in new[] { "state.safetensors", "config.json" })
                File.Copy(Path.Combine(runDir, file), Path.Combine(copy, file));
        }
    }

    [Test]
    public void DaflStepsOnCudaGiveTheCpuNumbers()
    {
        using var cpuTeacher = Teacher();
        using var cudaTeacher = Teacher();
        using var cpu = new DaflDistiller(Tiny(1, Device.Cpu) with { StudentEma = 0.9f }, cpuTeacher);
        using var cuda = new DaflDistiller(Tiny(1, Device.Cuda) with { StudentEma = 0.9f }, cudaTeacher);
        Assert.That(new[] { cudaTeacher.Device, cuda.Generator.Device, cuda.Student.Device, cuda.Reported.Device }, Is.All.EqualTo(Device.Cuda));
        Assert.That(cpu.Student.Device, Is.EqualTo(Device.Cpu));

        long requests = Gpu.Allocator.Requests;
        for (int i = 0; i < 2; i++)
            SameLosses(cpu.Step(), cuda.Step(), $"step {i + 1}");
        Assert.That(Gpu.Allocator.Requests, Is.GreaterThan(requests), "the CUDA run's tensors came from the CUDA backend's allocator");
        StateAssert.Close("student", StateAssert.Values(cpu.Student), StateAssert.Values(cuda.Student), AdamWeights, AdamWeightsWhy);
        StateAssert.Close("the student's weight average", StateAssert.Values(cpu.Reported), StateAssert.Values(cuda.Reported), AdamWeights, AdamWeightsWhy);
        StateAssert.Close("generator, BN running statistics included", GeneratorNoise.Without(StateAssert.Values(cpu.Generator)),
            GeneratorNoise.Without(StateAssert.Values(cuda.Generator)), AdamWeights, AdamWeightsWhy);
        Assert.That(Values(cudaTeacher), Is.EqualTo(Values(cpuTeacher)), "teacher (frozen)");
    }

    /// <summary>
    /// The iterations of <c>dafl distill --preset mnist-quick --epochs 1 --iters 10</c> on CUDA give the CPU run's
    /// five losses step for step. Run freely, two runs stay within the tolerance for only a few steps: lr_G 0.2
    /// amplifies any rounding difference ten- to a hundredfold per step. On the CPU alone, one latent element moved
    /// by one ulp changes the losses (measured as <see cref="SameLosses"/> does) by 2e-4 at step 3, 3e-3 at step 5
    /// and 5e-2 at step 7 with a trained teacher, and by 2e-2 at step 5 with this test's random one. So the first
    /// two steps run freely, and each later step starts from the CPU run's state after the step before (resumed
    /// from its checkpoint, which is exact): all ten steps are compared, none carrying more than two steps'
    /// rounding.
    /// </summary>
    [Test]
    public void MnistQuickStepsOnCudaGiveTheCpuLosses()
    {
        const int steps = 10, freeSteps = 2;
        // One iteration per epoch, so that the CPU run leaves its state after every step; without lr milestones
        // (mnist-quick has none) the iterations are those of one 10-iteration epoch.
        var config = DistillPresets.Get("mnist-quick") with { Epochs = steps, ItersPerEpoch = 1 };
        string cpuRun = Directory.CreateDirectory(Path.Combine(_dir, "cpu")).FullName;
        var keeper = new StateKeeper(cpuRun);
        using (var teacher = Teacher())
        using (var cpu = new DaflDistiller(config, teacher, runDir: cpuRun))
            cpu.Run(keeper);

        using var cudaTeacher = Teacher();
        using var cuda = new DaflDistiller(config with { Device = Device.Cuda }, cudaTeacher);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int step = 1; step <= steps; step++)
        {
            if (step > freeSteps) cuda.Resume(Path.Combine(cpuRun, $"after-{step - 1}"));
            var start = clock.Elapsed;
            var losses = cuda.Step();
            TestContext.Out.WriteLine($"step {step,2} ({(step > freeSteps ? "from the CPU's state" : "free-running")}): " +
                $"{(clock.Elapsed - start).TotalSeconds:F2} s on CUDA; total {keeper.Losses[step - 1].Total:G7} on the CPU, {losses.Total:G7} on CUDA");
            SameLosses(keeper.Losses[step - 1], losses, $"step {step}");
        }
    }

    [Test]
    public void ADaflStepRunsOnTheDeviceAndReadsItsLossesBackWithOneCopy()
    {
        using var teacher = Teacher();
        using var d = new DaflDistiller(Tiny(1, Device.Cuda), teacher);
        d.Step(); // the first step may read more (lazy set-up); the steady state is what a run pays
        using var profile = KernelProfile.Start();
        d.Step();
        Assert.That(profile.Timings.Select(t => t.Backend), Is.All.EqualTo("cuda"), "every kernel of the step ran on the CUDA backend");
        Assert.That(profile.Timings.Select(t => t.Kernel), Is.SupersetOf(new[] { "Conv2dForward", "Conv2dBackwardData", "MatMul", "BatchNormBackward", "BatchNormLeakyReluBackward", "AdamStepMulti" }));
        // One device→host copy (a stream sync on a GPU): the five losses and backward's deferred finite-loss check together.
        Assert.That(profile.Timings.Where(t => t.Kernel == "CopyToHost").Sum(t => t.Calls), Is.EqualTo(1));
    }

    [Test]
    public void AGivenLatentBatchOnTheCpuIsMovedToTheRunsDevice()
    {
        using var teacher = Teacher();
        using var d = new DaflDistiller(Tiny(1, Device.Cuda), teacher);
        using var z = Tensor.Randn([8, 12], new Philox(4));
        var l = d.Step(z);
        Assert.That(new[] { l.Total, l.Kd }, Is.All.Matches<double>(double.IsFinite));
    }

    [Test]
    public void ATeacherEpochOnCudaGivesTheCpuNumbers()
    {
        var train = RandomImages.Labelled(40, 1);
        var test = RandomImages.Labelled(20, 2);
        RunResult Train(Device device, out List<(string, float[])> weights)
        {
            using var model = LeNet5.Full(new Philox(8));
            var config = new TeacherConfig { Epochs = 1, BatchSize = 16, Device = device };
            var result = new TeacherTrainer(config, train, test).Train(model);
            Assert.That(model.Device, Is.EqualTo(device), "the model is trained where the config says and stays there");
            weights = StateAssert.Values(model).ToList();
            return result;
        }
        var cpu = Train(Device.Cpu, out var cpuWeights);
        var cuda = Train(Device.Cuda, out var cudaWeights);
        StateAssert.Close("teacher", cpuWeights, cudaWeights, AdamWeights, AdamWeightsWhy);
        Assert.That((cuda.LastAccuracy, cuda.BestAccuracy, cuda.BestEpoch), Is.EqualTo((cpu.LastAccuracy, cpu.BestAccuracy, cpu.BestEpoch)));
    }

    [Test]
    public void EvaluationOnCudaGivesTheCpuNumbers()
    {
        var data = RandomImages.Labelled(30, 3);
        using var cpu = LeNet5.Half(new Philox(6));
        using var cuda = LeNet5.Half(new Philox(6));
        cuda.To(Device.Cuda);
        var (onCuda, onCpu) = (Evaluator.Evaluate(cuda, data, batchSize: 7), Evaluator.Evaluate(cpu, data, batchSize: 7));
        Assert.That(onCuda.Loss, Is.EqualTo(onCpu.Loss).Within(ParityTolerance.Fp32.Relative * onCpu.Loss), "mean cross-entropy");
        // Predictions must agree exactly: on these images the CPU's two largest logits are never closer than 1.9e-2 of
        // the logits' largest magnitude (measured), 190 times the fp32 tolerance, so no prediction can flip.
        Assert.That(onCuda.Accuracy, Is.EqualTo(onCpu.Accuracy));
        Assert.That(onCuda.Confusion, Is.EqualTo(onCpu.Confusion));
    }

    [Test]
    public void TheDataLoaderDeliversBatchesOnItsDevice()
    {
        var data = RandomImages.Labelled(10, 4);
        var cpu = new DataLoader(data, 4).Epoch().ToList();
        var cuda = new DataLoader(data, 4, device: Device.Cuda).Epoch().ToList();
        try
        {
            Assert.That(cuda.SelectMany(b => new[] { b.Images.Device, b.Labels.Device }), Is.All.EqualTo(Device.Cuda));
            Assert.That(cuda.Select(b => b.Images.ToArray()), Is.EqualTo(cpu.Select(b => b.Images.ToArray())));
            Assert.That(cuda.Select(b => b.Labels.ToArray()), Is.EqualTo(cpu.Select(b => b.Labels.ToArray())));
        }
        finally
        {
            foreach (var b in cpu.Concat(cuda)) b.Dispose();
        }
    }

    [TestCase("cuda", "cpu")]
    [TestCase("cpu", "cuda")]
    public void ARunSavedOnOneDeviceResumesOnTheOther(string firstName, string secondName)
    {
        var (first, second) = (Device.Parse(firstName), Device.Parse(secondName));
        string straight = Path.Combine(_dir, "straight"), split = Path.Combine(_dir, "split");
        using (var teacher = Teacher())
        using (var d = new DaflDistiller(Tiny(2, first), teacher, runDir: straight))
            d.Run();
        using (var teacher = Teacher())
        using (var d = new DaflDistiller(Tiny(1, first), teacher, runDir: split))
            d.Run();
        using (var teacher = Teacher())
        using (var d = new DaflDistiller(Tiny(2, second), teacher, runDir: split))
        {
            d.Resume(split);
            Assert.That(new[] { d.Student.Device, d.Generator.Device }, Is.All.EqualTo(second));
            using (var state = SafeTensors.Load(Path.Combine(split, "state.safetensors")))
            {
                List<float[]> Saved(NN.Module m, string prefix) => m.StateDict().Select(e => state.Tensors[prefix + e.Key].ToArray()).ToList();
                Assert.That(Values(d.Student), Is.EqualTo(Saved(d.Student, "student.")), "the student moved to the other device bit for bit");
                Assert.That(Values(d.Generator), Is.EqualTo(Saved(d.Generator, "generator.")), "the generator moved to the other device bit for bit");
            }
            d.Run();
        }
        // The second epoch ran on the other device: its weights are the straight run's within the Adam tolerance.
        RunFolderAssert.CloseCheckpoints(straight, split, AdamWeights, AdamWeightsWhy);
        var saved = DistillConfig.FromJson(File.ReadAllText(Path.Combine(split, "config.json")), "config.json");
        Assert.That(saved.Device, Is.EqualTo(second), "the config records the device of the last session");
    }

    [Test]
    public void AModelSavedFromCudaLoadsIntoACudaOrCpuModel()
    {
        var path = Path.Combine(_dir, "m.safetensors");
        using var source = LeNet5.Half(new Philox(1));
        source.To(Device.Cuda);
        Checkpoint.SaveModel(path, source, "{}");
        using var onCpu = LeNet5.Half(new Philox(2));
        using var onCuda = LeNet5.Half(new Philox(2));
        onCuda.To(Device.Cuda);
        Checkpoint.LoadModel(path, onCpu);
        Checkpoint.LoadModel(path, onCuda);
        Assert.That(onCpu.Device, Is.EqualTo(Device.Cpu));
        Assert.That(onCuda.Device, Is.EqualTo(Device.Cuda));
        Assert.That(Values(onCpu), Is.EqualTo(Values(source)));
        Assert.That(Values(onCuda), Is.EqualTo(Values(source)));
    }

    [Test]
    public void ResumeStillRefusesAChangedMethodSetting()
    {
        string run = Path.Combine(_dir, "run");
        using (var teacher = Teacher())
        using (var d = new DaflDistiller(Tiny(1, Device.Cuda), teacher, runDir: run))
            d.Run();
        using var t2 = Teacher();
        using var changed = new DaflDistiller(Tiny(2, Device.Cpu) with { A = 0.5f }, t2, runDir: run);
        var ex = SettingOptions.Named(Assert.Throws<SettingException>(() => changed.Resume(run))!);
        Assert.That(ex.Problem.Field, Is.EqualTo("a"));
        Assert.That(ex.Message, Does.Contain("Only --epochs, --device"));
    }
}
