using DafL.Backends.Cuda;
using DafL.Backends.Cuda.Memory;

namespace DafL.Tests.CudaTests;

/// <summary>Where the CUDA backend's tensors live, and that reading one back waits for the work queued on it.</summary>
public sealed class CudaBackendStorageTests : CudaBackendTest
{
    [Test]
    public void AllocateGivesDeviceStorageFromTheAllocator()
    {
        long before = Gpu.Allocator.LiveBlocks;
        var storage = Gpu.Allocate(1000);
        Assert.That(storage, Is.InstanceOf<CudaStorage>());
        Assert.That((storage.Device, storage.Length), Is.EqualTo((Device.Cuda, 1000L)));
        Assert.That(Gpu.Allocator.LiveBlocks, Is.EqualTo(before + 1));
        using var t = Tensor.Empty([10, 100], Device.Cuda);
        Assert.That(t.Device, Is.EqualTo(Device.Cuda));
        storage.Release(); // as the last tensor on it would
        Assert.That(Gpu.Allocator.LiveBlocks, Is.EqualTo(before + 1), "only the tensor's block is live");
    }

    [Test]
    public void ReadingBackWaitsForTheStream()
    {
        using var t = Tensor.Empty([1 << 16], Device.Cuda);
        Gpu.Fill(t, -2.5f); // queued on the backend's stream; no Synchronize before the read
        Assert.That(t.ToArray(), Is.All.EqualTo(-2.5f), "ToArray");
        using var scalar = Tensor.Scalar(3.25f, Device.Cuda);
        Assert.That(scalar.Item(), Is.EqualTo(3.25f), "Item");
    }
}
