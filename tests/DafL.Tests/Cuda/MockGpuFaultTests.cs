using DafL.Backends.Cuda;
using DafL.Backends.Cuda.Convolution;
using DafL.Backends.Cuda.Kernels;
using DafL.Memory;
using DafL.Native;
using DafL.Tests.Native;
using DafL.Tests.Support;

namespace DafL.Tests.CudaTests;

/// <summary>
/// The backend against the faults the mock GPU injects (cuda/mock/driver/driver.cpp): out of memory at the N-th
/// cuMemAlloc, and a cuLaunchKernel that fails with CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES. The allocator must empty
/// its cache and retry, a failed launch must say which kernel with which shape, and after either the backend goes
/// on working with nothing leaked. Skipped off the mock: a real GPU cannot be made to fail on cue.
/// </summary>
public class MockGpuFaultTests : CudaParityTest
{
    [SetUp]
    public void OnTheMock() => MockGpu.Require();

    [Test]
    public void OutOfMemoryEmptiesTheCacheAndTheRetrySucceeds()
    {
        Tensor.Full([3000], 0f, Device.Cuda).Dispose(); // 3072 floats, now cached
        Assert.That(Gpu.Allocator.CachedBytes, Is.EqualTo(3072 * sizeof(float)));
        long allocations = Gpu.Allocator.DeviceAllocations;

        Tensor? block = null;
        MockGpu.Inject("alloc", 1); // the very next cuMemAlloc: this request's first try
        string stderr;
        try
        {
            stderr = MockGpu.StderrOf(() => block = Tensor.Full([5000], 2.5f, Device.Cuda)); // another size class: a cache miss
        }
        finally
        {
            MockGpu.Inject("alloc", 0);
        }

        Assert.That(stderr, Does.Contain("out of memory injected"), "the injected failure was hit");
        Assert.That(Gpu.Allocator.CachedBytes, Is.Zero, "the cache was given back to the device before the retry");
        Assert.That(Gpu.Allocator.DeviceAllocations, Is.EqualTo(allocations + 1), "one block came from the device: the retry's");
        Assert.That(block!.ToArray(), Is.All.EqualTo(2.5f), "the retried block is usable");
    }

    [Test]
    public void WhenEvenTheRetryFailsTheErrorNamesTheSizeAndWhatWasLive()
    {
        using var live = Tensor.Full([1000], 1f, Device.Cuda);
        Tensor.Full([3000], 0f, Device.Cuda).Dispose();
        long liveBytes = Gpu.Allocator.LiveBytes, liveBlocks = Gpu.Allocator.LiveBlocks;

        long floats = CudaDevice.Get(0).TotalMemoryBytes / sizeof(float) + 1; // more than the device holds: the retry fails too
        var e = Assert.Throws<InvalidOperationException>(() => Gpu.Allocator.Rent(floats, out _))!;

        Assert.That(e.Message, Does.Contain($"a block of {BufferPool.SizeClass(floats) * sizeof(float)} bytes").And.Contain($"with {liveBytes} bytes live in {liveBlocks} blocks")
            .And.Contain("the cache was emptied first"));
        Assert.That(Gpu.Allocator.CachedBytes, Is.Zero);
        Assert.That((Gpu.Allocator.LiveBytes, Gpu.Allocator.LiveBlocks), Is.EqualTo((liveBytes, liveBlocks)), "the failed request holds nothing");
        Assert.That(live.ToArray(), Is.All.EqualTo(1f), "the live block is untouched");
    }

    [Test]
    public void AFailedLaunchNamesKernelGridAndBlockAndTheBackendGoesOn()
    {
        var x = Input([70000], 1); // two 65536-element chunks: a chunk pass, then the finishing pass
        var y = Output(1);
        long blocks = Gpu.Allocator.LiveBlocks;

        CudaException? e = null;
        MockGpu.Inject("launch", 2); // the finishing pass, while the op holds its scratch block of partial sums
        try
        {
            e = Assert.Throws<CudaException>(() => Gpu.SumTo(x.G, y.G, 1f));
        }
        finally
        {
            MockGpu.Inject("launch", 0);
        }

        Assert.That(e!.StatusName, Is.EqualTo("CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"));
        Assert.That(e.Message, Does.Contain($"launching {Kernel.SumFinish} with grid {new Dim3(1)}, block {new Dim3(CudaKernels.Threads)}")
            .And.Contain("CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"));
        Assert.That(Gpu.Allocator.LiveBlocks, Is.EqualTo(blocks), "the scratch block went back to the allocator");

        Both((backend, side) => backend.SumTo(side(x), side(y), 1f));
        Close(y, "the same sum after the failed launch");
    }
}

/// <summary>
/// A fresh backend whose cuDNN reports the algorithms in <paramref name="unsupported"/> (the mock's
/// DAFL_MOCK_CUDNN_UNSUPPORTED, read when a handle is created) as CUDNN_STATUS_NOT_SUPPORTED. The variable is set
/// before the fixture's backend starts (CudaParityTest starts it for the first test) and removed after the fixture.
/// </summary>
public abstract class CudnnRefusalTest(string unsupported, ConvolutionSearch search) : CudaParityTest
{
    const string Variable = "DAFL_MOCK_CUDNN_UNSUPPORTED";

    /// <summary>x (2, 3, 8, 8), weight (4, 3, 3, 3), stride 1, padding 1.</summary>
    private protected static readonly ConvolutionShape Shape = new(2, 3, 8, 8, 4, 3, 3, 1, 1);

    protected override CudaBackendOptions Options => new() { ConvolutionSearch = search, MaxWorkspaceBytes = 16L << 20 };

    [OneTimeSetUp]
    public void RefuseTheAlgorithms()
    {
        MockGpu.Require();
        MockGpu.SetNativeEnvironment(Variable, unsupported);
    }

    [OneTimeTearDown]
    public void RemoveTheRefusal() => MockGpu.SetNativeEnvironment(Variable, null);

    protected static Pair X() => Input([Shape.N, Shape.C, Shape.H, Shape.W], 1);
    protected static Pair Weight() => Input([Shape.O, Shape.C, Shape.KH, Shape.KW], 2);
    protected static Pair OutputGradient() => Input([Shape.N, Shape.O, Shape.Ho, Shape.Wo], 3);
}

/// <summary>
/// With the algorithm the backend picks on the mock refused in each direction (forward IMPLICIT_PRECOMP_GEMM, the
/// heuristic's first; backward ALGO_1, its first deterministic one), it takes the next usable one and the
/// convolution still matches the CPU's.
/// </summary>
[TestFixture(ConvolutionSearch.Heuristic)]
[TestFixture(ConvolutionSearch.Measure)]
public class CudnnFallbackTests(ConvolutionSearch search) : CudnnRefusalTest("fwd:1,bwd_data:1,bwd_filter:1", search)
{
    [Test]
    public void TheRefusedAlgorithmsAreReportedNotSupported()
    {
        using var cudnn = CudnnHandle.Create(Context);
        using var plan = new ConvolutionPlan(Shape, CudnnMathType.Fma);
        static int StatusOf(ConvolutionAlgorithmPerformance[] ranked, int algorithm) => ranked.Single(p => p.Algorithm == algorithm).Status;
        const int NotSupported = 3000;
        Assert.That(StatusOf(cudnn.GetAlgorithms(ConvolutionProblem.Forward(plan.Input, plan.Filter, plan.Convolution, plan.Output)), 1), Is.EqualTo(NotSupported));
        Assert.That(StatusOf(cudnn.GetAlgorithms(ConvolutionProblem.BackwardData(plan.Filter, plan.Output, plan.Convolution, plan.Input)), 1), Is.EqualTo(NotSupported));
        Assert.That(StatusOf(cudnn.GetAlgorithms(ConvolutionProblem.BackwardFilter(plan.Input, plan.Output, plan.Convolution, plan.Filter)), 1), Is.EqualTo(NotSupported));
    }

    [Test]
    public void ForwardTakesTheNextAlgorithm()
    {
        var (x, w, b) = (X(), Weight(), Input([Shape.O], 4));
        var y = Output(Shape.N, Shape.O, Shape.Ho, Shape.Wo);
        Both((backend, side) => backend.Conv2dForward(side(x), side(w), side(b), side(y), Shape.Stride, Shape.Padding));
        Close(y, "y");
    }

    [Test]
    public void BackwardDataTakesTheNextDeterministicAlgorithm()
    {
        var (gy, w) = (OutputGradient(), Weight());
        var gx = Output(Shape.N, Shape.C, Shape.H, Shape.W);
        Both((backend, side) => backend.Conv2dBackwardData(side(gy), side(w), side(gx), Shape.Stride, Shape.Padding));
        Close(gx, "gx");
    }

    [Test]
    public void BackwardFilterTakesTheNextDeterministicAlgorithm()
    {
        var (x, gy) = (X(), OutputGradient());
        var gw = Output(Shape.O, Shape.C, Shape.KH, Shape.KW);
        Both((backend, side) => backend.Conv2dBackwardWeight(side(x), side(gy), side(gw), Shape.Stride, Shape.Padding));
        Close(gw, "gw");
    }

    [Test]
    public void WhereTheNextAlgorithmCannotRunTheShapeTheErrorSaysSo()
    {
        // WINOGRAD_NONFUSED runs 3×3 and 5×5 filters at stride 1 only: at stride 2, refusing ALGO_1 leaves nothing deterministic.
        var (gy, w) = (Input([Shape.N, Shape.O, 4, 4], 3), Weight());
        var gx = Output(Shape.N, Shape.C, Shape.H, Shape.W);
        Assert.That(() => Gpu.Conv2dBackwardData(gy.G, w.G, gx.G, 2, Shape.Padding),
            Throws.InvalidOperationException.With.Message.Contains("no deterministic backward-data algorithm").And.Message.Contains("stride 2"));
    }
}

/// <summary>With every algorithm the mock offers refused in all three directions, each convolution fails with one line naming the direction and the shape.</summary>
[TestFixture(ConvolutionSearch.Heuristic)]
[TestFixture(ConvolutionSearch.Measure)]
public class CudnnNoAlgorithmTests(ConvolutionSearch search)
    : CudnnRefusalTest("fwd:0,fwd:1,fwd:2,bwd_data:0,bwd_data:1,bwd_data:5,bwd_filter:0,bwd_filter:1,bwd_filter:3,bwd_filter:5", search)
{
    static void Refused(TestDelegate convolution, string direction)
    {
        Assert.That(convolution, Throws.InvalidOperationException.With.Message.Contains($"no {direction} algorithm")
            .And.Message.Contains(Shape.ToString()).And.Message.Contains("CUDNN_STATUS_NOT_SUPPORTED"));
    }

    [Test]
    public void ForwardSaysSo()
    {
        var (x, w) = (X(), Weight());
        var y = Output(Shape.N, Shape.O, Shape.Ho, Shape.Wo);
        Refused(() => Gpu.Conv2dForward(x.G, w.G, null, y.G, Shape.Stride, Shape.Padding), "forward");
    }

    [Test]
    public void BackwardDataSaysSo()
    {
        var (gy, w) = (OutputGradient(), Weight());
        var gx = Output(Shape.N, Shape.C, Shape.H, Shape.W);
        Refused(() => Gpu.Conv2dBackwardData(gy.G, w.G, gx.G, Shape.Stride, Shape.Padding), "deterministic backward-data");
    }

    [Test]
    public void BackwardFilterSaysSo()
    {
        var (x, gy) = (X(), OutputGradient());
        var gw = Output(Shape.O, Shape.C, Shape.KH, Shape.KW);
        Refused(() => Gpu.Conv2dBackwardWeight(x.G, gy.G, gw.G, Shape.Stride, Shape.Padding), "deterministic backward-filter");
    }
}

/// <summary>
/// The mock's memory and stream checks, through the raw bindings: what a GPU shows only as a wrong answer or a
/// late fault is caught and named here. affine_f32 of cuda/elementwise.cu is the kernel that runs.
/// </summary>
[NonParallelizable]
public unsafe class MockGpuMemoryTests : DeviceTestBase
{
    const int Count = 1000; // 4000 bytes: 96 bytes of canary, then the guard page

    [SetUp]
    public void OnTheMock() => MockGpu.Require();

    static void Affine(CudaFunction affine, CudaStream stream, DevicePointer x, DevicePointer y, long n, float a, float b)
    {
        ulong xa = x.Address, ya = y.Address;
        void** slots = stackalloc void*[5];
        affine.Launch(new Dim3((uint)((n + 255) / 256)), new Dim3(256), 0, stream, AffineArguments(slots, &xa, &ya, &n, &a, &b));
    }

    /// <summary>copy_strided_f32 of <paramref name="count"/> elements, src[i · srcStride] to dst[i].</summary>
    static void CopyStrided(CudaFunction copy, CudaStream stream, DevicePointer src, DevicePointer dst, long count, long srcStride)
    {
        var layout = new DeviceStridedCopyLayout { Rank = 1 };
        layout.Sizes[0] = count;
        layout.SrcStrides[0] = srcStride;
        layout.DstStrides[0] = 1;
        ulong s = src.Address, d = dst.Address;
        void** slots = stackalloc void*[3];
        slots[0] = &s;
        slots[1] = &d;
        slots[2] = &layout;
        copy.Launch(new Dim3(1), new Dim3(256), 0, stream, slots);
    }

    [Test]
    public void NewDeviceMemoryReadsAsNaN()
    {
        var fresh = new float[Count];
        Context.CopyToHost<float>(fresh, Allocate(Count));
        Assert.That(fresh, Is.All.NaN, "cuMemAlloc does not clear memory; the mock fills it with NaN");
    }

    [Test]
    public void AnOverrunFaultsAtTheNextSynchronisationNamingTheKernel()
    {
        using var module = LoadKernels();
        var affine = module.GetFunction(Kernel.Affine);
        var x = Upload(RandomValues(Count, 1));
        var y = Allocate(Count);
        using var stream = CudaStream.Create(Context);

        CudaException? e = null;
        string stderr;
        try
        {
            stderr = MockGpu.StderrOf(() =>
            {
                Affine(affine, stream, x, y, 4 * Count, 2f, 0f); // valid pointers: the launch is accepted
                e = Assert.Throws<CudaException>(stream.Synchronize);
            });
        }
        finally
        {
            MockGpu.ClearStickyError();
        }

        Assert.That(e!.StatusName, Is.EqualTo("CUDA_ERROR_ILLEGAL_ADDRESS"));
        Assert.That(stderr, Does.Contain($"mock GPU: {Kernel.Affine} accessed").And.Contain($"after the end of the {Count * sizeof(float)}-byte block"));

        Affine(affine, stream, x, y, Count, 2f, 0f);
        stream.Synchronize();
        Assert.That(Download(y, Count), Is.EqualTo(Download(x, Count).Select(v => 2f * v).ToArray()), "the context works again once the error is cleared");
    }

    [Test]
    public void APointerOutsideEveryAllocationIsRefusedAtTheLaunch()
    {
        using var module = LoadKernels();
        var affine = module.GetFunction(Kernel.Affine);
        var y = Allocate(Count);
        using var stream = CudaStream.Create(Context);
        var nowhere = new DevicePointer(0x1000);

        CudaException? e = null;
        string stderr = MockGpu.StderrOf(() => e = Assert.Throws<CudaException>(() => Affine(affine, stream, nowhere, y, Count, 1f, 0f)));

        Assert.That(e!.StatusName, Is.EqualTo("CUDA_ERROR_INVALID_VALUE"));
        Assert.That(e.Message, Does.Contain($"launching {Kernel.Affine}"));
        Assert.That(stderr, Does.Contain($"{Kernel.Affine}: pointer parameter 0 = {nowhere}: {nowhere} is not in any allocation"));
        Assert.That(stream.Synchronize, Throws.Nothing, "a refused launch leaves no sticky error");
    }

    [Test]
    public void AFreedBlockUsedAgainFaults()
    {
        using var module = LoadKernels();
        var affine = module.GetFunction(Kernel.Affine);
        var copy = module.GetFunction(Kernel.CopyStrided);
        var live = Upload(RandomValues(2, 2));
        var y = Allocate(2);
        var freed = Context.Allocate(Count * sizeof(float));
        Context.Free(freed);
        using var stream = CudaStream.Create(Context);

        // Passed as an argument, the freed address is refused at the launch.
        CudaException? refused = null;
        string atLaunch = MockGpu.StderrOf(() => refused = Assert.Throws<CudaException>(() => Affine(affine, stream, freed, y, 2, 1f, 0f)));
        Assert.That(refused!.StatusName, Is.EqualTo("CUDA_ERROR_INVALID_VALUE"));
        Assert.That(atLaunch, Does.Contain($"{freed} is inside the {Count * sizeof(float)}-byte block at {freed}, which was freed"));

        // Reached from a live block by an index (a stride from `live` to `freed`), it is poisoned and protected: the access faults.
        CudaException? e = null;
        string stderr;
        try
        {
            stderr = MockGpu.StderrOf(() =>
            {
                CopyStrided(copy, stream, live, y, 2, ((long)freed.Address - (long)live.Address) / sizeof(float));
                e = Assert.Throws<CudaException>(stream.Synchronize);
            });
        }
        finally
        {
            MockGpu.ClearStickyError();
        }
        Assert.That(e!.StatusName, Is.EqualTo("CUDA_ERROR_ILLEGAL_ADDRESS"));
        Assert.That(stderr, Does.Contain($"mock GPU: {Kernel.CopyStrided} accessed inside the {Count * sizeof(float)}-byte block at {freed}, which was freed"));
    }

    [Test]
    public void ASynchronousCopyDoesNotWaitForANonBlockingStream()
    {
        using var module = LoadKernels();
        var affine = module.GetFunction(Kernel.Affine);
        float[] values = RandomValues(Count, 3);
        var x = Upload(values);
        var y = Allocate(Count);
        using var stream = CudaStream.Create(Context, nonBlocking: true);

        var early = new float[Count];
        MockGpu.HoldStream(stream, true); // the stream's work is queued and not yet run, every time
        try
        {
            Affine(affine, stream, x, y, Count, 2f, 0f);
            Context.CopyToHost<float>(early, y); // cuMemcpyDtoH runs on the legacy default stream
        }
        finally
        {
            MockGpu.HoldStream(stream, false);
        }
        stream.Synchronize();
        var late = new float[Count];
        Context.CopyToHost<float>(late, y);

        Assert.That(early, Is.All.NaN, "without a synchronisation of the non-blocking stream the copy reads what was there before");
        Assert.That(late, Is.EqualTo(values.Select(v => 2f * v).ToArray()), "after the stream's synchronisation the result is there");
    }

    [Test]
    public void ASynchronousCopyWaitsForABlockingStream()
    {
        using var module = LoadKernels();
        var affine = module.GetFunction(Kernel.Affine);
        float[] values = RandomValues(Count, 4);
        var x = Upload(values);
        var y = Allocate(Count);
        using var stream = CudaStream.Create(Context, nonBlocking: false);

        var read = new float[Count];
        MockGpu.HoldStream(stream, true);
        // Released while the copy below waits: the legacy default stream waits for a blocking stream's work.
        var release = Task.Delay(300).ContinueWith(_ => MockGpu.HoldStream(stream, false), TaskScheduler.Default);
        try
        {
            Affine(affine, stream, x, y, Count, 2f, 0f);
            Context.CopyToHost<float>(read, y);
        }
        finally
        {
            release.Wait();
        }

        Assert.That(read, Is.EqualTo(values.Select(v => 2f * v).ToArray()));
    }

    [TestCase(CublasOperation.None, 3, 5, 4, TestName = "lda below m")]
    [TestCase(CublasOperation.Transpose, 4, 5, 4, TestName = "lda below k for a transposed A")]
    [TestCase(CublasOperation.None, 4, 4, 4, TestName = "ldb below k")]
    [TestCase(CublasOperation.None, 4, 5, 3, TestName = "ldc below m")]
    public void AnInvalidLeadingDimensionIsCublasInvalidValue(CublasOperation transA, int lda, int ldb, int ldc)
    {
        Skip.Unless(Cublas.IsAvailable, $"cuBLAS is not available: {Cublas.UnavailableReason}");
        const int m = 4, n = 3, k = 5;
        using var cublas = CublasHandle.Create(Context);
        var a = Upload(RandomValues(m * k, 5));
        var b = Upload(RandomValues(k * n, 6));
        var c = Allocate(m * n);

        var e = Assert.Throws<CudaException>(() => cublas.Sgemm(transA, CublasOperation.None, m, n, k, 1f, a, lda, b, ldb, 0f, c, ldc))!;
        Assert.That(e.StatusName, Is.EqualTo("CUBLAS_STATUS_INVALID_VALUE"));
        Assert.That(e.Message, Does.Contain("cublasSgemm_v2").And.Contain("CUBLAS_STATUS_INVALID_VALUE"));
        Assert.That(() => cublas.Sgemm(transA, CublasOperation.None, m, n, k, 1f, a, transA == CublasOperation.None ? m : k, b, k, 0f, c, m), Throws.Nothing,
            "the same product with valid leading dimensions");
    }
}
