using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using DafL.Backends;
using DafL.Random;

namespace DafL.Benchmarks;

/// <summary>
/// CPU convolution kernels at the shapes DAFL trains: the generator's convolutions (batch 64) and LeNet-5's
/// (batch 512, the MNIST preset). The GFLOP/s column is <see cref="ConvCase.ForwardGflop"/> / time for
/// <see cref="Forward"/> and 2 × that / time for <see cref="Backward"/> (data and weight gradients are one forward's
/// work each; the bias gradient is a sum). tools/bench_torch_conv.py times the same cases in PyTorch.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ReportConfig))]
public class ConvBenchmark
{
    sealed class ReportConfig : ManualConfig
    {
        public ReportConfig()
        {
            AddColumn(new GflopsColumn());
            SummaryStyle = SummaryStyle.Default.WithMaxParameterColumnWidth(40);
        }
    }

    /// <summary>Floating-point operations per second, from the case's count and the mean time.</summary>
    sealed class GflopsColumn : IColumn
    {
        public string Id => nameof(GflopsColumn);
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "2·N·O·Ho·Wo·C·k·k per pass (Backward: 2 passes) / mean time";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var stats = summary[benchmarkCase]?.ResultStatistics;
            if (stats == null || benchmarkCase.Parameters[nameof(Case)] is not ConvCase c) return "-";
            double passes = benchmarkCase.Descriptor.WorkloadMethod.Name == nameof(Backward) ? 2 : 1;
            return (passes * c.ForwardGflop / (stats.Mean * 1e-9)).ToString("F1");
        }
    }

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
