using DafL.Backends.Cuda.Memory;
using DafL.Memory;
using DafL.Native;

namespace DafL.Tests.CudaTests;

/// <summary>The caching logic of <see cref="CudaAllocator"/>, on fake device memory (no GPU needed).</summary>
public class CudaAllocatorTests
{
    [Test]
    public void RequestsAreRoundedToTheCpuPoolsSizeClasses()
    {
        var memory = new FakeDeviceMemory();
        var allocator = new CudaAllocator(memory);
        foreach (long floats in new long[] { 0, 1, 16, 17, 24, 25, 1000, 1 << 20 })
        {
            allocator.Rent(floats, out long capacity);
            Assert.That(capacity, Is.EqualTo(BufferPool.SizeClass(Math.Max(floats, 1))), $"{floats} floats");
            Assert.That(capacity, Is.GreaterThanOrEqualTo(floats));
        }
        Assert.That(memory.Calls[1], Is.EqualTo($"allocate {16 * sizeof(float)}"), "one float takes the smallest class, 16 floats");
        Assert.That(memory.Calls[4], Is.EqualTo($"allocate {24 * sizeof(float)}"), "24 floats is the 1.5·16 class");
    }

    [Test]
    public void AReturnedBlockIsReusedForTheSameSizeClassWithoutTheDevice()
    {
        var memory = new FakeDeviceMemory();
        var allocator = new CudaAllocator(memory);
        var first = allocator.Rent(1000, out long capacity);
        Assert.That((allocator.LiveBlocks, allocator.LiveBytes, allocator.CachedBytes, allocator.DeviceAllocations), Is.EqualTo((1L, capacity * 4, 0L, 1L)));

        allocator.Return(first, capacity);
        Assert.That((allocator.LiveBlocks, allocator.LiveBytes, allocator.CachedBytes), Is.EqualTo((0L, 0L, capacity * 4)));

        var second = allocator.Rent(1020, out long secondCapacity); // same class (1024)
        Assert.That(second, Is.EqualTo(first), "the cached block is handed out again at once (one stream: stream order keeps it safe)");
        Assert.That(secondCapacity, Is.EqualTo(capacity));
        Assert.That((allocator.DeviceAllocations, allocator.Requests, allocator.CachedBytes), Is.EqualTo((1L, 2L, 0L)));
        Assert.That(memory.Calls.Count(c => c == "wait"), Is.Zero, "reuse never waits for the device");

        var other = allocator.Rent(4000, out _); // another class: a new device block
        Assert.That(other, Is.Not.EqualTo(first));
        Assert.That(allocator.DeviceAllocations, Is.EqualTo(2));
    }

    [Test]
    public void TrimWaitsForQueuedWorkThenFreesEveryCachedBlockButNoLiveOne()
    {
        var memory = new FakeDeviceMemory();
        var allocator = new CudaAllocator(memory);
        var a = allocator.Rent(100, out long ca);
        var b = allocator.Rent(5000, out long cb);
        var live = allocator.Rent(100, out long cl);
        allocator.Return(a, ca);
        allocator.Return(b, cb);
        memory.Calls.Clear();

        allocator.Trim();

        Assert.That(memory.Calls[0], Is.EqualTo("wait"), "blocks are freed only after the queued work is done");
        Assert.That(memory.Calls.Skip(1), Is.EquivalentTo(new[] { $"free {a}", $"free {b}" }));
        Assert.That(allocator.CachedBytes, Is.Zero);
        Assert.That((allocator.LiveBlocks, allocator.LiveBytes), Is.EqualTo((1L, cl * 4)));
        Assert.That(memory.AllocatedBytes, Is.EqualTo(cl * 4), "only the live block is still on the device");

        memory.Calls.Clear();
        allocator.Trim();
        Assert.That(memory.Calls, Is.Empty, "nothing cached: nothing to wait for");
    }

    [Test]
    public void OutOfMemoryEmptiesTheCacheAndRetriesOnce()
    {
        var memory = new FakeDeviceMemory(capacityBytes: 4096 * 4);
        var allocator = new CudaAllocator(memory);
        var cached = allocator.Rent(3000, out long capacity); // 3072 floats
        allocator.Return(cached, capacity);
        memory.Calls.Clear();

        var block = allocator.Rent(2048, out long second); // does not fit beside the cached block
        Assert.That(memory.Calls, Is.EqualTo(new[] { $"out of memory {2048 * 4}", "wait", $"free {cached}", $"allocate {2048 * 4}" }));
        Assert.That(block, Is.Not.EqualTo(DevicePointer.Null));
        Assert.That((allocator.CachedBytes, allocator.LiveBytes), Is.EqualTo((0L, second * 4)));
    }

    [Test]
    public void OutOfMemoryAfterTheRetryThrowsWithTheSizes()
    {
        var memory = new FakeDeviceMemory(capacityBytes: 1024 * 4);
        var allocator = new CudaAllocator(memory);
        allocator.Rent(1000, out _);
        Assert.That(() => allocator.Rent(512, out _),
            Throws.InvalidOperationException.With.Message.Contains("CUDA out of memory").And.Message.Contains($"{512 * 4} bytes"));
        Assert.That((allocator.LiveBlocks, allocator.DeviceAllocations), Is.EqualTo((1L, 1L)), "a failed request changes no counter");
    }

    [Test]
    public void CloseFreesTheCacheAndReleasesTheDeviceWithTheLastLiveBlock()
    {
        var memory = new FakeDeviceMemory();
        var allocator = new CudaAllocator(memory);
        var cached = allocator.Rent(100, out long cc);
        var live = allocator.Rent(200, out long cl);
        allocator.Return(cached, cc);

        allocator.Close();
        Assert.That(memory.Calls.Skip(2), Is.EqualTo(new[] { "wait", $"free {cached}" }));
        Assert.That(memory.Disposed, Is.False, "a tensor still holds a block, so the context must stay");
        Assert.That(() => allocator.Rent(1, out _), Throws.InstanceOf<ObjectDisposedException>());

        allocator.Return(live, cl);
        Assert.That(memory.Calls.Skip(4), Is.EqualTo(new[] { "wait", $"free {live}", "dispose" }), "freed at once, then the device goes");
        Assert.That((allocator.LiveBlocks, allocator.CachedBytes, memory.AllocatedBytes), Is.EqualTo((0L, 0L, 0L)));
        Assert.That(() => allocator.Close(), Throws.Nothing, "closing twice is harmless");
        Assert.That(memory.Calls.Count(c => c == "dispose"), Is.EqualTo(1));
    }

    [Test]
    public void CloseWithNothingLiveReleasesTheDeviceAtOnce()
    {
        var memory = new FakeDeviceMemory();
        var allocator = new CudaAllocator(memory);
        allocator.Close();
        Assert.That(memory.Disposed, Is.True);
    }

    [Test]
    public void NegativeRequestsAreRefused()
    {
        var allocator = new CudaAllocator(new FakeDeviceMemory());
        Assert.That(() => allocator.Rent(-1, out _), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void ConcurrentRentAndReturnKeepTheCountersExact()
    {
        var memory = new FakeDeviceMemory();
        var allocator = new CudaAllocator(memory);
        Parallel.For(0, 8, t =>
        {
            for (int i = 0; i < 500; i++)
            {
                var p = allocator.Rent(16 << (i % 5), out long c);
                allocator.Return(p, c);
            }
        });
        Assert.That((allocator.LiveBlocks, allocator.LiveBytes, allocator.Requests), Is.EqualTo((0L, 0L, 4000L)));
        Assert.That(allocator.CachedBytes, Is.EqualTo(memory.AllocatedBytes), "every device block is in the cache");
        Assert.That(allocator.DeviceAllocations, Is.LessThanOrEqualTo(8 * 5), "at most one block per thread and class");
    }
}
