using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using DafL.Backends.Dispatch;
using DafL.Models;
using DafL.Random;
using DafL.Training;

namespace DafL.Benchmarks;

/// <summary>
/// One whole DAFL iteration (generator forward, frozen teacher, student on the detached images, one backward,
/// both Adam steps) at the presets' shapes, with a LeNet-5 teacher of random weights (the cost does not depend on
/// the weights), on the device <c>--device</c> names (<see cref="BenchmarkOptions"/>). Work is the dense work that
/// <see cref="KernelFlops"/> counts in one step (convolutions and matrix products; a multiply-add is 2 FLOPs), the
/// same count <c>dafl profile</c> reports. tools/bench-step.sh times the same step beside PyTorch's.
/// </summary>
/// <remarks>
/// Each iteration is one step (a step changes the weights, and one is long enough to time alone); the counts are
/// mutators, so they apply to whichever job runs the class, the in-process one included.
/// </remarks>
[Config(typeof(FlopColumnsConfig))]
[WarmupCount(2)]
[IterationCount(8)]
[InvocationCount(1)]
public class DaflStepBenchmark : IFlopCounted
{
    /// <summary>A preset at a batch size: the preset's own, or <c>--batch</c>'s.</summary>
    public sealed record DaflCase(string Preset, int Batch)
    {
        public DistillConfig Config => DistillPresets.Get(Preset) with { BatchSize = Batch };
        public override string ToString() => $"{Preset}, batch {Batch}";
    }

    public static IEnumerable<DaflCase> Cases =>
        BenchmarkOptions.Presets.Select(p => new DaflCase(p, BenchmarkOptions.Batch ?? DistillPresets.Get(p).BatchSize));

    public static IEnumerable<string> Devices => [BenchmarkOptions.Device];

    [ParamsSource(nameof(Cases))]
    public DaflCase Case { get; set; } = null!;

    [ParamsSource(nameof(Devices))]
    public string Device { get; set; } = "cpu";

    LeNet5 _teacher = null!;
    DaflDistiller _distiller = null!;

    [GlobalSetup]
    public void Setup()
    {
        _teacher = LeNet5.Full(new Philox(1));
        _distiller = new DaflDistiller(Case.Config with { Device = DeviceChoice.Resolve(Device).Device }, _teacher);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _distiller.Dispose();
        _teacher.Dispose();
    }

    [Benchmark]
    public StepLosses Step() => _distiller.Step();

    /// <summary>Dense FLOPs of one step per case, counted once per process.</summary>
    static readonly ConcurrentDictionary<DaflCase, double> StepFlops = new();

    public (double Flops, int Threads) Work(string method) =>
        (StepFlops.GetOrAdd(Case, CountStep), Device == "cpu" ? Environment.ProcessorCount : 0);

    /// <summary>Runs one step of the case under <see cref="KernelFlops"/>: the host process that draws the summary has no distiller of its own.</summary>
    double CountStep(DaflCase c)
    {
        using var teacher = LeNet5.Full(new Philox(1));
        using var distiller = new DaflDistiller(c.Config with { Device = DeviceChoice.Resolve(Device).Device }, teacher);
        using var flops = KernelFlops.Start();
        distiller.Step();
        return flops.Flops;
    }
}
