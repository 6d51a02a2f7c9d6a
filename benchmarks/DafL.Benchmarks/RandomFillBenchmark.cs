using BenchmarkDotNet.Attributes;
using DafL.Backends;
using DafL.Random;

namespace DafL.Benchmarks;

/// <summary>
/// The latent draw of every DAFL step, z ~ N(0, 1) of shape (batch, 100), and a uniform fill of the same size
/// (weight init): Philox4x32-10 plus Box–Muller on the CPU backend.
/// </summary>
[MemoryDiagnoser]
public class RandomFillBenchmark
{
    [Params(64, 512)]
    public int Batch;

    Tensor _z = null!;
    readonly Philox _gen = new(1);

    [GlobalSetup]
    public void Setup() => _z = Tensor.Empty([Batch, 100]);

    [GlobalCleanup]
    public void Cleanup() => _z.Dispose();

    [Benchmark]
    public void Normal() => Backend.For(_z.Device).FillNormal(_z, _gen.Seed, _gen.Advance(_z.Numel));

    [Benchmark]
    public void Uniform() => Backend.For(_z.Device).FillUniform(_z, _gen.Seed, _gen.Advance(_z.Numel));
}
