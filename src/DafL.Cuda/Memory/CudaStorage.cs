using DafL.Memory;
using DafL.Native;

namespace DafL.Backends.Cuda.Memory;

/// <summary>A tensor's device memory: one block of a <see cref="CudaAllocator"/>, returned to it on the last release.</summary>
public sealed class CudaStorage : Storage
{
    readonly long _capacity;

    /// <summary>The allocator the block came from (so the backend can tell its own storage from another's).</summary>
    public CudaAllocator Allocator { get; }

    /// <summary>The block's first float; null after the storage is freed.</summary>
    public DevicePointer Pointer { get; private set; }

    internal CudaStorage(CudaAllocator allocator, long length) : base(length)
    {
        Allocator = allocator;
        Pointer = allocator.Rent(length, out _capacity);
    }

    public override Device Device => Device.Cuda;

    protected override void Free()
    {
        Allocator.Return(Pointer, _capacity);
        Pointer = DevicePointer.Null;
    }
}
