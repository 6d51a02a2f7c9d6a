using BenchmarkDotNet.Attributes;
using DafL.Backends;
using DafL.Random;

namespace DafL.Benchmarks;

/// <summary>
/// CPU convolution kernels at the shapes DAFL trains: the generator's convolutions (batch 64) and LeNet-5's
/// (batch 512, the MNIST preset). Work: <see cref="ConvCase.ForwardGflop"/> for <see cref="Forward"/> and twice that
/// for <see cref="Backward"/> (data and weight gradients are one forward's work each; the bias gradient is a sum),
/// on every core. tools/bench_torch_conv.py times the same cases in PyTorch.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(FlopColumnsConfig))]
public class ConvBenchmark : IFlopCounted
{
    /// <summary>x (N, C, H, W), weight (O, C, k, k), square stride and padding.</summary>
    public sealed record ConvCase(string Name, int N, int C, int H, int W, int O, int K, int Stride, int Padding)
    {
        public int Ho => (H + 2 * Padding - K) / Stride + 1;
        public int Wo => (W + 2 * Padding - K) / Stride + 1;
        /// <summary>2·N·O·Ho·Wo·C·k·k: one multiply and one add per tap.</summary>
        public double ForwardGflop => 2.0 * N * O * Ho * Wo * C * K * K / 1e9;
        public override string ToString() => $"{Name} ({ForwardGflop:F3} GFLOP)";
    }

    // Keep in step with tools/bench_torch_conv.py.
    public static IEnumerable<ConvCase> Cases =>
    [
        new("gen 128→128 3×3 16×16", 64, 128, 16, 16, 128, 3, 1, 1),
        new("gen 128→64 3×3 32×32", 64, 128, 32, 32, 64, 3, 1, 1),
        new("gen 64→1 3×3 32×32", 64, 64, 32, 32, 1, 3, 1, 1),
        new("lenet 1→6 5×5 32×32", 512, 1, 32, 32, 6, 5, 1, 0),
        new("lenet 6→16 5×5 14×14", 512, 6, 14, 14, 16, 5, 1, 0),
        new("lenet 16→120 5×5 5×5", 512, 16, 5, 5, 120, 5, 1, 0),
    ];

    [ParamsSource(nameof(Cases))]
    public ConvCase Case { get; set; } = null!;

    Tensor _x = null!, _w = null!, _b = null!, _y = null!, _gy = null!, _gx = null!, _gw = null!, _gb = null!;

    [GlobalSetup]
    public void Setup()
    {
        var c = Case;
        var gen = new Philox(1);
        _x = Tensor.Randn([c.N, c.C, c.H, c.W], gen);
        _w = Tensor.Randn([c.O, c.C, c.K, c.K], gen);
        _b = Tensor.Randn([c.O], gen);
        _gy = Tensor.Randn([c.N, c.O, c.Ho, c.Wo], gen);
        _y = Tensor.Empty(_gy.Shape);
        _gx = Tensor.Empty(_x.Shape);
        _gw = Tensor.Empty(_w.Shape);
        _gb = Tensor.Empty(_b.Shape);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _x, _w, _b, _y, _gy, _gx, _gw, _gb }) t.Dispose();
    }

    public (double Flops, int Threads) Work(string method) =>
        ((method == nameof(Backward) ? 2 : 1) * Case.ForwardGflop * 1e9, Environment.ProcessorCount);

    [Benchmark]
    public void Forward() => Backend.Cpu.Conv2dForward(_x, _w, _b, _y, Case.Stride, Case.Padding);

    [Benchmark]
    public void Backward()
    {
        Backend.Cpu.Conv2dBackwardData(_gy, _w, _gx, Case.Stride, Case.Padding);
        Backend.Cpu.Conv2dBackwardWeight(_x, _gy, _gw, Case.Stride, Case.Padding);
        Backend.Cpu.Conv2dBackwardBias(_gy, _gb);
    }
}
