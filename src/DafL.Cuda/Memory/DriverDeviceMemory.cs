using DafL.Native;

namespace DafL.Backends.Cuda.Memory;

/// <summary>
/// Device memory from the driver (<c>cuMemAlloc</c> / <c>cuMemFree</c>) in one context, with the one compute stream
/// whose work may still use it. Owns both: disposing it destroys the stream and releases the context, which the
/// allocator does only when no block is live any more.
/// </summary>
internal sealed class DriverDeviceMemory(CudaContext context, CudaStream stream) : IDeviceMemory
{
    /// <summary>CUDA_ERROR_OUT_OF_MEMORY.</summary>
    const int OutOfMemory = 2;

    public bool TryAllocate(long bytes, out DevicePointer pointer)
    {
        try
        {
            pointer = context.Allocate(bytes);
            return true;
        }
        catch (CudaException e) when (e.Library == CudaLibrary.Driver && e.Status == OutOfMemory)
        {
            pointer = DevicePointer.Null;
            return false;
        }
    }

    public void Free(DevicePointer pointer) => context.Free(pointer);

    public void WaitForQueuedWork() => stream.Synchronize();

    public void Dispose()
    {
        stream.Dispose();
        context.Dispose();
    }
}
