using DafL.Backends.Cuda.Kernels;
using DafL.Tests.Support;
using DafL.Native;

namespace DafL.Tests.Native;

/// <summary>
/// Tests that need a CUDA device: each is reported as skipped, with the reason, where there is none. Gives each
/// test the primary context of device 0 and frees the device memory it allocated through <see cref="Upload"/> and
/// <see cref="Allocate"/>; like every test, it must give back the tensors and host buffers it took.
/// </summary>
public abstract class DeviceTestBase : LeakCheckedTest
{
    readonly List<DevicePointer> _allocations = [];
    CudaContext? _context;

    protected CudaContext Context => _context ?? throw new InvalidOperationException("SetUp did not run.");

    [SetUp]
    public void RetainContext()
    {
        Skip.Unless(Cuda.IsAvailable, $"CUDA is not available: {Cuda.UnavailableReason}");
        _context = CudaContext.RetainPrimary(CudaDevice.Get(0));
    }

    [TearDown]
    public void ReleaseContext()
    {
        if (_context is null) return;
        _context.Synchronize();
        foreach (var pointer in _allocations) _context.Free(pointer);
        _allocations.Clear();
        _context.Dispose();
        _context = null;
    }

    /// <summary>Device memory for <paramref name="count"/> floats, freed after the test.</summary>
    protected DevicePointer Allocate(int count)
    {
        var pointer = Context.Allocate(Math.Max(1, count) * sizeof(float));
        _allocations.Add(pointer);
        return pointer;
    }

    /// <summary>A device copy of <paramref name="values"/>, freed after the test.</summary>
    protected DevicePointer Upload(float[] values)
    {
        var pointer = Allocate(values.Length);
        Context.CopyToDevice<float>(pointer, values);
        return pointer;
    }

    /// <summary>The first <paramref name="count"/> floats at <paramref name="pointer"/>, after all queued work.</summary>
    protected float[] Download(DevicePointer pointer, int count)
    {
        Context.Synchronize();
        var values = new float[count];
        Context.CopyToHost<float>(values, pointer);
        return values;
    }

    /// <summary>
    /// The backend's own elementwise kernels (cuda/elementwise.cu), compiled by NVRTC: on the mock GPU only kernels
    /// of cuda/*.cu can run, and these are the ones a real device must run too. affine_f32(x, y, n, a, b) computes
    /// y = fmaf(x, a, b): with b = 0 that is a·x exactly, with a = b = 1 in place it adds one.
    /// </summary>
    protected CudaModule LoadKernels()
    {
        Skip.Unless(Nvrtc.IsAvailable, $"NVRTC is not available: {Nvrtc.UnavailableReason}");
        string cache = Directory.CreateTempSubdirectory("dafl-device-kernels-").FullName;
        try
        {
            return CudaModule.Load(Context, new KernelCompiler(cache).Compile(KernelSources.Read("elementwise.cu"), "elementwise.cu", Context.Device.Architecture, KernelSources.Headers));
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    /// <summary>affine_f32's kernelParams in <paramref name="slots"/> (five pointers), each pointing at its value.</summary>
    protected static unsafe void** AffineArguments(void** slots, ulong* x, ulong* y, long* n, float* a, float* b)
    {
        slots[0] = x;
        slots[1] = y;
        slots[2] = n;
        slots[3] = a;
        slots[4] = b;
        return slots;
    }

    /// <summary>Values in [−1, 1) from a fixed seed.</summary>
    protected static float[] RandomValues(int count, int seed)
    {
        var rng = new System.Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>Element-wise closeness with a tolerance relative to the reference's largest magnitude.</summary>
    protected static void AssertClose(float[] actual, float[] expected, float relative, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        float scale = Math.Max(1e-6f, expected.Max(MathF.Abs));
        for (int i = 0; i < expected.Length; i++)
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(relative * scale), $"{what}[{i}]");
    }
}
