using BenchmarkDotNet.Attributes;
using DafL.Models;
using DafL.Random;
using DafL.Training;

namespace DafL.Benchmarks;

/// <summary>
/// One whole DAFL iteration (generator forward, frozen teacher, student on the detached images, one backward,
/// both Adam steps) at the presets' shapes, with a LeNet-5 teacher of random weights (the cost does not depend on
/// the weights), on the device <c>--device</c> names (<see cref="BenchmarkOptions"/>). Work counts the dense layers
/// only (convolutions and linears; a multiply-add is 2 FLOPs): the generator forward + data and weight gradients
/// (3 passes), the teacher forward + data gradient (2), the student forward + weight gradient + data gradient
/// beyond its first layer (≈ 3). Elementwise ops, BN, pooling and losses are real time but not counted, so GFLOP/s
/// understates the machine's work. tools/reference/dafl_pytorch.py times the same step in PyTorch.
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

    public (double Flops, int Threads) Work(string method)
    {
        var c = Case.Config;
        double n = c.BatchSize, w = c.GeneratorWidth, h = w / 2, s = c.ImageSize, q = s / 4;
        static double Conv(double n, double cin, double cout, double k, double side) => 2 * n * cin * cout * k * k * side * side;
        double generator = 2 * n * c.LatentDim * w * q * q
            + Conv(n, w, w, 3, s / 2) + Conv(n, w, h, 3, s) + Conv(n, h, c.Channels, 3, s);
        // LeNet-5 (teacher) and LeNet-5-half (student) at 32×32: conv 5×5 to 28, 10 and 1, then fc layers.
        static double LeNet(double n, double c1, double c2, double c3, double f1) =>
            Conv(n, 1, c1, 5, 28) + Conv(n, c1, c2, 5, 10) + Conv(n, c2, c3, 5, 1) + 2 * n * (c3 * f1 + f1 * 10);
        return (3 * generator + 2 * LeNet(n, 6, 16, 120, 84) + 3 * LeNet(n, 3, 8, 60, 42), Device == "cpu" ? Environment.ProcessorCount : 0);
    }
}
