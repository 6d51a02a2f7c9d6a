using DafL.Backends.Cuda.Memory;
using DafL.Native;

namespace DafL.Tests.CudaTests;

/// <summary>
/// Device memory for allocator tests without a GPU: hands out increasing fake addresses up to a capacity, and
/// records every call in order so tests can check what was freed, and that the queued work was waited for first.
/// </summary>
sealed class FakeDeviceMemory(long capacityBytes = long.MaxValue) : IDeviceMemory
{
    ulong _next = 0x1000;
    readonly Dictionary<ulong, long> _allocated = [];

    public List<string> Calls { get; } = [];
    public long AllocatedBytes => _allocated.Values.Sum();
    public int Allocations { get; private set; }
    public bool Disposed { get; private set; }

    public bool TryAllocate(long bytes, out DevicePointer pointer)
    {
        Assert.That(Disposed, Is.False, "allocation after the device memory was released");
        if (AllocatedBytes + bytes > capacityBytes)
        {
            Calls.Add($"out of memory {bytes}");
            pointer = DevicePointer.Null;
            return false;
        }
        pointer = new DevicePointer(_next);
        _allocated[_next] = bytes;
        _next += (ulong)bytes + 256;
        Allocations++;
        Calls.Add($"allocate {bytes}");
        return true;
    }

    public void Free(DevicePointer pointer)
    {
        Assert.That(_allocated.Remove(pointer.Address), Is.True, $"free of {pointer}, which is not allocated");
        Calls.Add($"free {pointer}");
    }

    public void WaitForQueuedWork() => Calls.Add("wait");

    public void Dispose()
    {
        Assert.That(Disposed, Is.False, "device memory released twice");
        Disposed = true;
        Calls.Add("dispose");
    }
}
