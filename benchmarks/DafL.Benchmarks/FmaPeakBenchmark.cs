using BenchmarkDotNet.Attributes;
using DafL.Backends.Cpu;

namespace DafL.Benchmarks;

/// <summary>
/// fp32 FMA peak of one thread and of every core together (Parallel.For, one <see cref="FmaPeak.Run"/> per core).
/// GFLOP/s = <see cref="FmaPeak.FlopsPerThread"/> × threads / mean time; the GFLOP/s column prints it.
/// </summary>
[Config(typeof(FlopColumnsConfig))]
public class FmaPeakBenchmark : IFlopCounted
{
    static readonly int Cores = Environment.ProcessorCount;

    [Benchmark]
    public float SingleThread() => FmaPeak.Run();

    [Benchmark]
    public void AllCores() => Parallel.For(0, Cores, new ParallelOptions { MaxDegreeOfParallelism = Cores }, _ => FmaPeak.Run());

    public (double Flops, int Threads) Work(string method) =>
        method == nameof(AllCores) ? (FmaPeak.FlopsPerThread * Cores, Cores) : (FmaPeak.FlopsPerThread, 1);
}
