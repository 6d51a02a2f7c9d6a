using DafL.Backends;
using DafL.Backends.Cuda;
using DafL.Tests.Native;
using DafL.Tests.Support;

namespace DafL.Tests.CudaTests;

/// <summary>
/// Base of tests that run the registered CUDA backend. Skipped (never passed) without a device: <see cref="DeviceTestBase"/>
/// checks for CUDA, then the registered CUDA backend must start. Each test runs in a tensor scope and must give back
/// every device block it took, besides the tensors and pooled host buffers <see cref="LeakCheckedTest"/> counts after
/// this class's teardown has ended the scope. The backend is the process's registered one (tensors on
/// <see cref="Device.Cuda"/> use it); it is replaced by a fresh registration after the fixture, which disposes it.
/// </summary>
[NonParallelizable]
public abstract class CudaBackendTest : DeviceTestBase
{
    CudaBackend? _gpu;
    TensorScope? _scope;
    long _blocksAtStart;

    /// <summary>The options the fixture's backend is registered with.</summary>
    protected virtual CudaBackendOptions Options => new();

    protected CudaBackend Gpu => _gpu ?? throw new InvalidOperationException("SetUp did not run.");

    [SetUp]
    public void StartBackendAndScope()
    {
        if (_gpu is null)
        {
            CudaSetup.Register(Options);
            Skip.Unless(Backend.TryGet(Device.Cuda, out var backend, out var reason), $"the CUDA backend cannot start: {reason}");
            _gpu = (CudaBackend)backend!;
        }
        _blocksAtStart = _gpu.Allocator.LiveBlocks;
        _scope = TensorScope.Begin();
    }

    [TearDown]
    public void NoDeviceBlockLeaked()
    {
        if (_scope is null) return;
        DafL.Autograd.Engine.CheckDeferredLosses(Device.Cuda); // a deferred loss check's copy is a live tensor
        _scope.Dispose();
        _scope = null;
        Gpu.Trim(); // the convolution workspace and the batch-norm constants stay with the backend between ops
        Assert.That(Gpu.Allocator.LiveBlocks, Is.EqualTo(_blocksAtStart), "live device blocks");
    }

    [OneTimeTearDown]
    public void ReplaceTheBackend()
    {
        if (_gpu is null) return;
        CudaSetup.Register(); // disposes the fixture's backend
        _gpu = null;
    }
}
