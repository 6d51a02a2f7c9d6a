using DafL.Backends;
using DafL.Backends.Cuda;
using DafL.Tests.Native;
using DafL.Tests.Support;

namespace DafL.Tests.CudaTests;

/// <summary>
/// Base of tests that run on the real <see cref="CudaBackend"/> (on the mock GPU in CI): the fixture registers a
/// backend with <see cref="Options"/> as the process's CUDA backend, so tensors on <see cref="Device.Cuda"/> use it,
/// and every test is skipped with the reason when it cannot start. Each test must give back every device block it
/// took, besides the tensors and host buffers <see cref="LeakCheckedTest"/> counts. After the fixture a fresh
/// registration replaces the backend, which disposes it. The registration is global, so these fixtures never run
/// in parallel with others.
/// </summary>
[NonParallelizable]
public abstract class CudaBackendTest : DeviceTestBase
{
    CudaBackend? _gpu;
    long _blocksAtStart;

    /// <summary>The options the fixture's backend is registered with.</summary>
    protected virtual CudaBackendOptions Options => new();

    protected CudaBackend Gpu => _gpu ?? throw new InvalidOperationException("SetUp did not run.");

    [SetUp]
    public void StartBackend()
    {
        if (_gpu is null)
        {
            CudaSetup.Register(Options);
            Skip.Unless(Backend.TryCuda(out var backend, out var reason), $"the CUDA backend cannot start: {reason}");
            _gpu = (CudaBackend)backend;
        }
        _blocksAtStart = _gpu.Allocator.LiveBlocks;
    }

    [TearDown]
    public void NoDeviceBlockLeaked()
    {
        if (_gpu is null) return;
        DafL.Autograd.Engine.CheckDeferredLosses(Device.Cuda); // a deferred loss check's copy holds a block
        // The convolution workspace and the batch-norm constants stay with the backend between ops; Trim gives them back.
        _gpu.Trim();
        Assert.That(_gpu.Allocator.LiveBlocks, Is.EqualTo(_blocksAtStart), "live device blocks");
    }

    [OneTimeTearDown]
    public void ReplaceTheBackend()
    {
        if (_gpu is null) return;
        CudaSetup.Register(); // disposes the fixture's backend
        _gpu = null;
    }
}
