using BenchmarkDotNet.Attributes;
using DafL.Backends;
using DafL.Backends.Cpu;
using DafL.Random;

namespace DafL.Benchmarks;

/// <summary>
/// CPU convolution kernels at the shapes DAFL trains, each direction its own benchmark: the generator's 3×3
/// convolutions at widths 16, 32 and 128 (batch 512, and 64 for the widest), a few channel counts at batch 64 to show
/// the trend, and LeNet-5's 5×5 convolutions (teacher and half-width student, batch 512, the MNIST preset). Work:
/// <see cref="ConvCase.Gflop"/> for each of <see cref="Forward"/>, <see cref="BackwardData"/> and
/// <see cref="BackwardWeight"/> (a gradient is one forward's work), on every core. <c>--conv-case TEXT</c> keeps
/// only the cases whose name contains TEXT (<see cref="BenchmarkOptions"/>). tools/bench_torch_conv.py times the same
/// cases in PyTorch.
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
        public double Gflop => 2.0 * N * O * Ho * Wo * C * K * K / 1e9;
        public override string ToString() => $"{Name} ({Gflop:F3} GFLOP)";
    }

    // Keep in step with tools/bench_torch_conv.py.
    static readonly ConvCase[] AllCases =
    [
        new("gen 16→16 3×3 16×16 b512", 512, 16, 16, 16, 16, 3, 1, 1),
        new("gen 16→8 3×3 32×32 b512", 512, 16, 32, 32, 8, 3, 1, 1),
        new("gen 32→32 3×3 16×16 b512", 512, 32, 16, 16, 32, 3, 1, 1),
        new("gen 32→16 3×3 32×32 b512", 512, 32, 32, 32, 16, 3, 1, 1),
        new("gen 16→1 3×3 32×32 b512", 512, 16, 32, 32, 1, 3, 1, 1),
        new("gen 128→128 3×3 16×16 b64", 64, 128, 16, 16, 128, 3, 1, 1),
        new("gen 128→64 3×3 32×32 b64", 64, 128, 32, 32, 64, 3, 1, 1),
        new("gen 64→1 3×3 32×32 b64", 64, 64, 32, 32, 1, 3, 1, 1),
        new("1→8 3×3 32×32 b64", 64, 1, 32, 32, 8, 3, 1, 1),
        new("8→8 3×3 16×16 b64", 64, 8, 16, 16, 8, 3, 1, 1),
        new("64→64 3×3 16×16 b64", 64, 64, 16, 16, 64, 3, 1, 1),
        new("lenet 1→6 5×5 32×32", 512, 1, 32, 32, 6, 5, 1, 0),
        new("lenet 6→16 5×5 14×14", 512, 6, 14, 14, 16, 5, 1, 0),
        new("lenet 16→120 5×5 5×5", 512, 16, 5, 5, 120, 5, 1, 0),
        new("lenet-half 1→3 5×5 32×32", 512, 1, 32, 32, 3, 5, 1, 0),
        new("lenet-half 3→8 5×5 14×14", 512, 3, 14, 14, 8, 5, 1, 0),
        new("lenet-half 8→60 5×5 5×5", 512, 8, 5, 5, 60, 5, 1, 0),
    ];

    public static IEnumerable<ConvCase> Cases => AllCases.Where(c => c.Name.Contains(BenchmarkOptions.ConvCase, StringComparison.OrdinalIgnoreCase));

    [ParamsSource(nameof(Cases))]
    public ConvCase Case { get; set; } = null!;

    /// <summary>
    /// <see cref="CpuBackend.AllowWinograd"/> for this case: both settings side by side show what Winograd gains where
    /// <c>WinogradConv.Applies</c> takes the shape (elsewhere the two rows run the same kernels).
    /// </summary>
    [Params(true, false)]
    public bool Winograd { get; set; }

    Tensor _x = null!, _w = null!, _b = null!, _y = null!, _gy = null!, _gx = null!, _gw = null!;

    [GlobalSetup]
    public void Setup()
    {
        CpuBackend.AllowWinograd = Winograd;
        var c = Case;
        var gen = new Philox(1);
        _x = Tensor.Randn([c.N, c.C, c.H, c.W], gen);
        _w = Tensor.Randn([c.O, c.C, c.K, c.K], gen);
        _b = Tensor.Randn([c.O], gen);
        _gy = Tensor.Randn([c.N, c.O, c.Ho, c.Wo], gen);
        _y = Tensor.Empty(_gy.Shape);
        _gx = Tensor.Empty(_x.Shape);
        _gw = Tensor.Empty(_w.Shape);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _x, _w, _b, _y, _gy, _gx, _gw }) t.Dispose();
        CpuBackend.AllowWinograd = true;
    }

    public (double Flops, int Threads) Work(string method) => (Case.Gflop * 1e9, Environment.ProcessorCount);

    [Benchmark]
    public void Forward() => Backend.Cpu.Conv2dForward(_x, _w, _b, _y, Case.Stride, Case.Padding);

    [Benchmark]
    public void BackwardData() => Backend.Cpu.Conv2dBackwardData(_gy, _w, _gx, Case.Stride, Case.Padding);

    [Benchmark]
    public void BackwardWeight() => Backend.Cpu.Conv2dBackwardWeight(_x, _gy, _gw, Case.Stride, Case.Padding);
}
