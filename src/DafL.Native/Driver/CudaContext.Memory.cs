namespace DafL.Native;

/// <summary>
/// Device memory through the driver: allocate, free, copy, fill. Synchronous copies return when the copy is done;
/// asynchronous ones are queued on a stream and read or write host memory when the stream gets there, so that
/// memory must stay valid (and, to overlap with work, be page-locked) until the stream is synchronised.
/// </summary>
public sealed unsafe partial class CudaContext
{
    /// <summary>Allocates <paramref name="bytes"/> bytes of device memory (256-byte aligned).</summary>
    public DevicePointer Allocate(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        MakeCurrent();
        ulong address;
        DriverStatus.Check(Cuda.Api.cuMemAlloc_v2(&address, (nuint)bytes));
        return new DevicePointer(address);
    }

    /// <summary>Frees memory from <see cref="Allocate"/>; no queued work may still use it.</summary>
    public void Free(DevicePointer pointer)
    {
        MakeCurrent();
        DriverStatus.Check(Cuda.Api.cuMemFree_v2(pointer.Address));
    }

    /// <summary>Free and total device memory in bytes.</summary>
    public (long Free, long Total) MemoryInfo()
    {
        MakeCurrent();
        nuint free, total;
        DriverStatus.Check(Cuda.Api.cuMemGetInfo_v2(&free, &total));
        return ((long)free, (long)total);
    }

    /// <summary>Copies host values to device memory and waits for the copy.</summary>
    public void CopyToDevice<T>(DevicePointer destination, ReadOnlySpan<T> source) where T : unmanaged
    {
        MakeCurrent();
        fixed (T* s = source)
            DriverStatus.Check(Cuda.Api.cuMemcpyHtoD_v2(destination.Address, s, ByteCount(source.Length, sizeof(T))));
    }

    /// <summary>Copies device memory into host values and waits for the copy.</summary>
    public void CopyToHost<T>(Span<T> destination, DevicePointer source) where T : unmanaged
    {
        MakeCurrent();
        fixed (T* d = destination)
            DriverStatus.Check(Cuda.Api.cuMemcpyDtoH_v2(d, source.Address, ByteCount(destination.Length, sizeof(T))));
    }

    /// <summary>Copies <paramref name="bytes"/> bytes between device buffers.</summary>
    public void CopyDeviceToDevice(DevicePointer destination, DevicePointer source, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        MakeCurrent();
        DriverStatus.Check(Cuda.Api.cuMemcpyDtoD_v2(destination.Address, source.Address, (nuint)bytes));
    }

    /// <summary>Queues a host-to-device copy on <paramref name="stream"/>; <paramref name="source"/> must stay valid until it runs.</summary>
    public void CopyToDeviceAsync(DevicePointer destination, void* source, long bytes, CudaStream stream)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        MakeCurrent();
        DriverStatus.Check(Cuda.Api.cuMemcpyHtoDAsync_v2(destination.Address, source, (nuint)bytes, stream.Handle));
    }

    /// <summary>Queues a device-to-host copy on <paramref name="stream"/>; <paramref name="destination"/> must stay valid until it runs.</summary>
    public void CopyToHostAsync(void* destination, DevicePointer source, long bytes, CudaStream stream)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        MakeCurrent();
        DriverStatus.Check(Cuda.Api.cuMemcpyDtoHAsync_v2(destination, source.Address, (nuint)bytes, stream.Handle));
    }

    /// <summary>Queues a device-to-device copy on <paramref name="stream"/>.</summary>
    public void CopyDeviceToDeviceAsync(DevicePointer destination, DevicePointer source, long bytes, CudaStream stream)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        MakeCurrent();
        DriverStatus.Check(Cuda.Api.cuMemcpyDtoDAsync_v2(destination.Address, source.Address, (nuint)bytes, stream.Handle));
    }

    /// <summary>
    /// Queues filling <paramref name="count"/> 32-bit words with <paramref name="value"/> (a float's bits:
    /// <c>BitConverter.SingleToUInt32Bits(x)</c>); the destination must be 4-byte aligned.
    /// </summary>
    public void Fill32Async(DevicePointer destination, uint value, long count, CudaStream stream)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        MakeCurrent();
        DriverStatus.Check(Cuda.Api.cuMemsetD32Async(destination.Address, value, (nuint)count, stream.Handle));
    }

    static nuint ByteCount(int length, int elementSize) => (nuint)((long)length * elementSize);
}
