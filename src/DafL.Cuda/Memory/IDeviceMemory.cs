using DafL.Native;

namespace DafL.Backends.Cuda.Memory;

/// <summary>
/// Raw device memory under <see cref="CudaAllocator"/>: the driver in <see cref="DriverDeviceMemory"/>, a fake in
/// the tests, so that the allocator's caching logic is checked on machines without a GPU.
/// </summary>
internal interface IDeviceMemory : IDisposable
{
    /// <summary>Allocates <paramref name="bytes"/> bytes; false when the device is out of memory (other failures throw).</summary>
    bool TryAllocate(long bytes, out DevicePointer pointer);

    /// <summary>Frees memory from <see cref="TryAllocate"/>; queued work must no longer use it (see <see cref="WaitForQueuedWork"/>).</summary>
    void Free(DevicePointer pointer);

    /// <summary>Waits until no queued work can still read or write any memory, so that blocks can be freed safely.</summary>
    void WaitForQueuedWork();
}
