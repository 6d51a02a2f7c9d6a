using DafL.Backends.Cuda;
using DafL.Memory;

namespace DafL.Tests.Support;

/// <summary>
/// Base of test classes whose every test must give back what it allocated: live tensors and pooled buffers are
/// recorded before each test and must be the same after it.
/// </summary>
public abstract class LeakCheckedTest
{
    long _tensorsAtStart, _buffersAtStart;

    [SetUp]
    public void RecordLiveCounts() => (_tensorsAtStart, _buffersAtStart) = (Tensor.LiveTensors, BufferPool.LiveBuffers);

    [TearDown]
    public void NothingLeaked()
    {
        foreach (var device in new[] { Device.Cpu, Device.Cuda }) DafL.Autograd.Engine.CheckDeferredLosses(device); // their copies are live tensors
        Assert.That(Tensor.LiveTensors, Is.EqualTo(_tensorsAtStart), "live tensors");
        Assert.That(BufferPool.LiveBuffers, Is.EqualTo(_buffersAtStart), "live buffers");
    }
}
