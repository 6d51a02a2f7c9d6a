using DafL.Backends;
using DafL.Tests.Support;

namespace DafL.Tests.CudaTests;

/// <summary>
/// Base of tests that run an op on the CPU backend and on the CUDA backend with the same inputs and compare, on the
/// fixture's <see cref="CudaBackendTest"/> backend (skipped, never passed, when it cannot start). Each test runs in
/// a tensor scope, which is disposed before the leak checks.
/// </summary>
public abstract class CudaParityTest : CudaBackendTest
{
    /// <summary>An input or output on both devices: the CPU tensor and its CUDA twin.</summary>
    protected sealed record Pair(Tensor C, Tensor G);

    TensorScope? _scope;

    [SetUp]
    public void BeginScope() => _scope = TensorScope.Begin();

    [TearDown]
    public void EndScope()
    {
        _scope?.Dispose();
        _scope = null;
    }

    /// <summary>Runs <paramref name="call"/> on the CPU backend with the CPU tensors, then on the CUDA backend with the CUDA ones.</summary>
    protected void Both(Action<IBackend, Func<Pair, Tensor>> call)
    {
        call(Backend.Cpu, p => p.C);
        call(Gpu, p => p.G);
    }

    protected static Tensor? Opt(Pair? p, Func<Pair, Tensor> side) => p is null ? null : side(p);

    protected static float[] Values(long count, int seed, float low = -1f, float high = 1f)
    {
        var rng = new System.Random(seed);
        var v = new float[count];
        for (long i = 0; i < count; i++) v[i] = (float)(low + (high - low) * rng.NextDouble());
        return v;
    }

    protected static Pair From(float[] data, params int[] shape) =>
        new(Tensor.FromArray(data.AsSpan(), shape), Tensor.FromArray(data.AsSpan(), shape, Device.Cuda));

    protected static Pair Input(int[] shape, int seed, float low = -1f, float high = 1f) => From(Values(Tensor.NumelOf(shape), seed, low, high), shape);

    /// <summary>An output on both devices, filled with NaN so that an element a kernel forgets to write shows.</summary>
    protected static Pair Output(params int[] shape) => new(Tensor.Full(shape, float.NaN), Tensor.Full(shape, float.NaN, Device.Cuda));

    /// <summary>Close to the CPU's result within <paramref name="relative"/> of its largest magnitude (NaN where the CPU has NaN).</summary>
    protected static void Close(Pair p, string what, float relative = 1e-5f)
    {
        float[] cpu = p.C.ToArray(), gpu = p.G.ToArray();
        Assert.That(gpu, Has.Length.EqualTo(cpu.Length), what);
        float scale = Math.Max(1e-6f, cpu.Where(float.IsFinite).Select(MathF.Abs).DefaultIfEmpty(0f).Max());
        for (int i = 0; i < cpu.Length; i++)
        {
            if (float.IsNaN(cpu[i])) Assert.That(gpu[i], Is.NaN, $"{what}[{i}]");
            else if (float.IsInfinity(cpu[i])) Assert.That(gpu[i], Is.EqualTo(cpu[i]), $"{what}[{i}]");
            else Assert.That(gpu[i], Is.EqualTo(cpu[i]).Within(relative * scale), $"{what}[{i}]");
        }
    }

    /// <summary>The CPU's bits exactly (any NaN matches NaN).</summary>
    protected static void Exact(Pair p, string what)
    {
        float[] cpu = p.C.ToArray(), gpu = p.G.ToArray();
        Assert.That(gpu, Has.Length.EqualTo(cpu.Length), what);
        for (int i = 0; i < cpu.Length; i++)
            if (!(float.IsNaN(cpu[i]) && float.IsNaN(gpu[i])))
                Assert.That(BitConverter.SingleToUInt32Bits(gpu[i]), Is.EqualTo(BitConverter.SingleToUInt32Bits(cpu[i])), $"{what}[{i}]: {gpu[i]} vs the CPU's {cpu[i]}");
    }
}
