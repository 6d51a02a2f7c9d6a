using DafL.Data;
using DafL.IO;
using DafL.Models;
using DafL.Random;
using DafL.Tests.Support;
using DafL.Training;

namespace DafL.Tests.Training;

/// <summary>
/// The training stack on a second device (<see cref="HostBackedFakeCudaBackend"/> standing in for CUDA, whose kernels
/// are the CPU's): every tensor lives there, the numbers equal the CPU run's bit for bit, and checkpoints move
/// between devices.
/// </summary>
public class DeviceTrainingTests : FakeCudaTest
{
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

    /// <summary>Random 32×32 images with cyclic labels: enough to run an epoch and an evaluation.</summary>
    static NormalizedImageDataset Images(int count, ulong seed)
    {
        using var pixels = Tensor.Randn([count, 1, 32, 32], new Philox(seed));
        return new NormalizedImageDataset("random", 1, 32, 32, 10, pixels.ToArray(), [.. Enumerable.Range(0, count).Select(i => (byte)(i % 10))]);
    }

    static List<float[]> Values(NN.Module m) => m.StateDict().Select(e => e.Tensor.ToArray()).ToList();

    [Test]
    public void DaflStepsOnCudaGiveTheCpuNumbers()
    {
        using var cpuTeacher = Teacher();
        using var cudaTeacher = Teacher();
        using var cpu = new DaflDistiller(Tiny(1, Device.Cpu) with { StudentEma = 0.9f }, cpuTeacher);
        using var cuda = new DaflDistiller(Tiny(1, Device.Cuda) with { StudentEma = 0.9f }, cudaTeacher);
        Assert.That(new[] { cudaTeacher.Device, cuda.Generator.Device, cuda.Student.Device, cuda.Reported.Device }, Is.All.EqualTo(Device.Cuda));
        Assert.That(cpu.Student.Device, Is.EqualTo(Device.Cpu));

        long views = FakeCuda.HostViews;
        for (int i = 0; i < 2; i++)
            Assert.That(cuda.Step(), Is.EqualTo(cpu.Step()), $"losses of step {i + 1}");
        Assert.That(FakeCuda.HostViews, Is.GreaterThan(views), "the CUDA run's kernels ran on the CUDA backend");
        Assert.That(Values(cuda.Student), Is.EqualTo(Values(cpu.Student)), "student");
        Assert.That(Values(cuda.Reported), Is.EqualTo(Values(cpu.Reported)), "the student's weight average");
        Assert.That(Values(cuda.Generator), Is.EqualTo(Values(cpu.Generator)), "generator, BN running statistics included");
        Assert.That(Values(cudaTeacher), Is.EqualTo(Values(cpuTeacher)), "teacher (frozen)");
    }

    [Test]
    public void ADaflStepReadsItsLossesBackWithOneCopy()
    {
        using var teacher = Teacher();
        using var d = new DaflDistiller(Tiny(1, Device.Cuda), teacher);
        d.Step(); // the first step may read more (lazy set-up); the steady state is what a run pays
        long reads = FakeCuda.HostReads;
        d.Step();
        // One device→host copy (a stream sync on a GPU): the five losses and backward's deferred finite-loss check together.
        Assert.That(FakeCuda.HostReads - reads, Is.EqualTo(1));
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
        var train = Images(40, 1);
        var test = Images(20, 2);
        RunResult Train(Device device, out List<float[]> weights)
        {
            using var model = LeNet5.Full(new Philox(8));
            var config = new TeacherConfig { Epochs = 1, BatchSize = 16, Device = device };
            var result = new TeacherTrainer(config, train, test).Train(model);
            Assert.That(model.Device, Is.EqualTo(device), "the model is trained where the config says and stays there");
            weights = Values(model);
            return result;
        }
        var cpu = Train(Device.Cpu, out var cpuWeights);
        var cuda = Train(Device.Cuda, out var cudaWeights);
        Assert.That(cudaWeights, Is.EqualTo(cpuWeights));
        Assert.That((cuda.LastAccuracy, cuda.BestAccuracy, cuda.BestEpoch), Is.EqualTo((cpu.LastAccuracy, cpu.BestAccuracy, cpu.BestEpoch)));
    }

    [Test]
    public void EvaluationOnCudaGivesTheCpuNumbers()
    {
        var data = Images(30, 3);
        using var cpu = LeNet5.Half(new Philox(6));
        using var cuda = LeNet5.Half(new Philox(6));
        cuda.To(Device.Cuda);
        var (onCuda, onCpu) = (Evaluator.Evaluate(cuda, data, batchSize: 7), Evaluator.Evaluate(cpu, data, batchSize: 7));
        Assert.That((onCuda.Accuracy, onCuda.Loss), Is.EqualTo((onCpu.Accuracy, onCpu.Loss)));
        Assert.That(onCuda.Confusion, Is.EqualTo(onCpu.Confusion));
    }

    [Test]
    public void TheDataLoaderDeliversBatchesOnItsDevice()
    {
        var data = Images(10, 4);
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

    [TestCase(Device.Cuda, Device.Cpu)]
    [TestCase(Device.Cpu, Device.Cuda)]
    public void ARunSavedOnOneDeviceResumesOnTheOtherBitForBit(Device first, Device second)
    {
        string straight = Path.Combine(_dir, "straight"), split = Path.Combine(_dir, "split");
        using (var teacher = Teacher())
        using (var d = new DaflDistiller(Tiny(2, Device.Cpu), teacher, runDir: straight))
            d.Run();
        using (var teacher = Teacher())
        using (var d = new DaflDistiller(Tiny(1, first), teacher, runDir: split))
            d.Run();
        using (var teacher = Teacher())
        using (var d = new DaflDistiller(Tiny(2, second), teacher, runDir: split))
        {
            d.Resume(split);
            Assert.That(d.Student.Device, Is.EqualTo(second));
            d.Run();
        }
        RunFolderAssert.SameCheckpoints(straight, split);
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
    public void ConfigsWriteTheDeviceAsTheOptionSpellsItAndReadAnyCase()
    {
        Assert.That(Tiny(1, Device.Cuda).ToJson(), Does.Contain("\"device\": \"cuda\""));
        Assert.That(new TeacherConfig { Device = Device.Cuda }.ToJson(), Does.Contain("\"device\": \"cuda\""));
        Assert.That(new TeacherConfig().ToJson(), Does.Contain("\"device\": \"cpu\""));
        Assert.That(DistillConfig.FromJson("{\"device\": \"Cuda\"}", "test").Device, Is.EqualTo(Device.Cuda));
        Assert.That(DistillConfig.FromJson("{}", "test").Device, Is.EqualTo(Device.Cpu), "configs written before the device existed");
        Assert.Throws<System.Text.Json.JsonException>(() => DistillConfig.FromJson("{\"device\": \"tpu\"}", "test"));
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
        var ex = Assert.Throws<InvalidDataException>(() => changed.Resume(run))!;
        Assert.That(ex.Message, Does.Contain("only --epochs, --device"));
    }
}
