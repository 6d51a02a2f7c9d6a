using DafL.Backends;
using DafL.Backends.Cuda;
using DafL.Tests.Native;
using DafL.Tests.Support;

namespace DafL.Tests.CudaTests;

/// <summary>
/// Base of tests that run an op on the CPU backend and on the CUDA backend with the same inputs and compare. Skipped
/// (never passed) without a device: <see cref="DeviceTestBase"/> checks for CUDA, then the registered CUDA backend
/// must start. Each test runs in a tensor scope and must give back every tensor and device block it took.
/// The backend is the process's registered one (tensors on <see cref="Device.Cuda"/> use it); it is replaced by a
/// fresh registration after the fixture, which disposes it.
/// </summary>
[NonParallelizable]
public abstract class CudaParityTest : DeviceTestBase
{
    /// <summary>An input or output on both devices: the CPU tensor and its CUDA twin.</summary>
    protected sealed record Pair(Tensor C, Tensor G);

    CudaBackend? _gpu;
    TensorScope? _scope;
    long _tensorsAtStart, _blocksAtStart;

    /// <summary>The options the fixture's backend is registered with.</summary>
    protected virtual CudaBackendOptions Options => new();

    protected CudaBackend Gpu => _gpu ?? throw new InvalidOperationException("SetUp did not run.");

    [SetUp]
    public void StartBackendAndScope()
    {
        if (_gpu is null)
        {
            CudaSetup.Register(Options);
            Skip.Unless(Backend.TryCuda(out var backend, out var reason), $"the CUDA backend cannot start: {reason}");
            _gpu = (CudaBackend)backend;
        }
        _tensorsAtStart = Tensor.LiveTensors;
        _blocksAtStart = _gpu.Allocator.LiveBlocks;
        _scope = TensorScope.Begin();
    }

    [TearDown]
    public void NothingLeaked()
    {
        if (_scope is null) return;
        DafL.Autograd.Engine.CheckDeferredLosses(Device.Cuda); // a deferred loss check's copy is a live tensor
        _scope.Dispose();
        _scope = null;
        Gpu.Trim();
        Assert.That(Tensor.LiveTensors, Is.EqualTo(_tensorsAtStart), "live tensors");
        Assert.That(Gpu.Allocator.LiveBlocks, Is.EqualTo(_blocksAtStart), "live device blocks");
    }

    [OneTimeTearDown]
    public void ReplaceTheBackend()
    {
        if (_gpu is null) return;
        CudaSetup.Register(); // disposes the fixture's backend
        _gpu = null;
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
