using DafL.Backends.Cuda;
using DafL.Backends;

namespace DafL.Tests.CudaTests;

/// <summary>
/// Base of tests that run an op on the CPU backend and on the CUDA backend with the same inputs and compare, outside
/// the conformance suite (<see cref="CudaConformanceTests"/>): under backend options the suite does not set, or
/// after a fault the mock GPU injected.
/// </summary>
public abstract class CudaParityTest : CudaBackendTest
{
    /// <summary>An input or output on both devices: the CPU tensor and its CUDA twin.</summary>
    protected sealed record Pair(Tensor C, Tensor G);

    /// <summary>Runs <paramref name="call"/> on the CPU backend with the CPU tensors, then on the CUDA backend with the CUDA ones.</summary>
    protected void Both(Action<IBackend, Func<Pair, Tensor>> call)
    {
        call(Backend.Cpu, p => p.C);
        call(Gpu, p => p.G);
    }

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
        float scale = Scale(cpu);
        for (int i = 0; i < cpu.Length; i++)
        {
            if (float.IsNaN(cpu[i])) Assert.That(gpu[i], Is.NaN, $"{what}[{i}]");
            else if (float.IsInfinity(cpu[i])) Assert.That(gpu[i], Is.EqualTo(cpu[i]), $"{what}[{i}]");
            else Assert.That(gpu[i], Is.EqualTo(cpu[i]).Within(relative * scale), $"{what}[{i}]");
        }
    }

    /// <summary>The largest |device − CPU| of finite elements, relative to the CPU result's largest magnitude, as <see cref="Close"/> measures.</summary>
    protected static float LargestDifference(Pair p)
    {
        float[] cpu = p.C.ToArray(), gpu = p.G.ToArray();
        float largest = 0f;
        for (int i = 0; i < cpu.Length; i++)
            if (float.IsFinite(cpu[i])) largest = MathF.Max(largest, MathF.Abs(gpu[i] - cpu[i]));
        return largest / Scale(cpu);
    }

    static float Scale(float[] cpu) => Math.Max(1e-6f, cpu.Where(float.IsFinite).Select(MathF.Abs).DefaultIfEmpty(0f).Max());
}
