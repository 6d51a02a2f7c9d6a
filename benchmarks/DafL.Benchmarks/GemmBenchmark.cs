using BenchmarkDotNet.Attributes;
using DafL.Backends.Cpu;
using DafL.Random;

namespace DafL.Benchmarks;

/// <summary>
/// The packed CPU SGEMM (<see cref="Gemm.Sgemm"/>) on square products and on the products of LeNet-5's fully
/// connected layers at batch 512 (the MNIST preset): for fc (in → out), the forward x·Wᵀ (512, out, in), the input
/// gradient gy·W (512, in, out) and the weight gradient gyᵀ·x (out, in, 512), named M×N×K with the transposes.
/// FLOP per call = 2·M·N·K; the GFLOP/s and % peak columns come from <see cref="FlopColumnsConfig"/>.
/// </summary>
[Config(typeof(FlopColumnsConfig))]
public unsafe class GemmBenchmark : IFlopCounted
{
    public sealed record GemmCase(string Name, int M, int N, int K, bool TransA, bool TransB, bool Parallel)
    {
        public double Flops => 2.0 * M * N * K;
        public override string ToString() => Name;
    }

    public static IEnumerable<GemmCase> Cases =>
    [
        new("512³", 512, 512, 512, false, false, true),
        new("1024³", 1024, 1024, 1024, false, false, true),
        new("512³ 1 thread", 512, 512, 512, false, false, false),
        new("1024³ 1 thread", 1024, 1024, 1024, false, false, false),
        new("fc1 fwd 512×84×120 NT", 512, 84, 120, false, true, true),
        new("fc1 dx 512×120×84 NN", 512, 120, 84, false, false, true),
        new("fc1 dW 84×120×512 TN", 84, 120, 512, true, false, true),
        new("fc2 fwd 512×10×84 NT", 512, 10, 84, false, true, true),
        new("fc2 dx 512×84×10 NN", 512, 84, 10, false, false, true),
        new("fc2 dW 10×84×512 TN", 10, 84, 512, true, false, true),
    ];

    [ParamsSource(nameof(Cases))]
    public GemmCase Case { get; set; } = null!;

    Tensor _a = null!, _b = null!, _c = null!;

    [GlobalSetup]
    public void Setup()
    {
        var c = Case;
        var gen = new Philox(1);
        _a = Tensor.Randn(c.TransA ? [c.K, c.M] : [c.M, c.K], gen); // stored A
        _b = Tensor.Randn(c.TransB ? [c.N, c.K] : [c.K, c.N], gen); // stored B
        _c = Tensor.Empty([c.M, c.N]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose();
        _b.Dispose();
        _c.Dispose();
    }

    [Benchmark]
    public void Sgemm()
    {
        var c = Case;
        Gemm.Sgemm(c.TransA, c.TransB, c.M, c.N, c.K, 1f, _a.Ptr, _a.Shape[1], _b.Ptr, _b.Shape[1], 0f, _c.Ptr, c.N, c.Parallel);
    }

    public (double Flops, int Threads) Work(string method) =>
        (Case.Flops, Case.Parallel ? Gemm.ThreadsFor(Case.M, Case.N, Case.K) : 1);
}
