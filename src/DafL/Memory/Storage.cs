namespace DafL.Memory;

/// <summary>
/// A reference-counted buffer of float32 that one or more tensors (a base and its views) share.
/// The last tensor to release it returns the memory to its backend's allocator.
/// </summary>
public abstract class Storage
{
    int _refs = 1;

    /// <summary>Usable length in floats (what was asked for, not the size class).</summary>
    public long Length { get; }
    public abstract Device Device { get; }
    public bool IsReleased => Volatile.Read(ref _refs) <= 0;
    /// <summary>Whether more than one tensor (a base and its views) holds this memory.</summary>
    internal bool IsShared => Volatile.Read(ref _refs) > 1;

    protected Storage(long length) => Length = length;

    internal void AddRef()
    {
        if (Interlocked.Increment(ref _refs) <= 1)
            throw new ObjectDisposedException(nameof(Storage), "A view was taken of a tensor whose memory was already freed.");
    }

    internal void Release()
    {
        int left = Interlocked.Decrement(ref _refs);
        if (left == 0) Free();
        else if (left < 0) throw new InvalidOperationException("Storage released more times than it was referenced.");
    }

    protected abstract void Free();
}

/// <summary>Host memory from <see cref="BufferPool"/>: 64-byte aligned, suitable for AVX-512 loads.</summary>
public sealed unsafe class CpuStorage : Storage
{
    readonly long _capacity;
    public float* Ptr { get; private set; }

    public CpuStorage(long length) : base(length) => Ptr = BufferPool.Rent(length, out _capacity);

    public override Device Device => Device.Cpu;

    protected override void Free()
    {
        BufferPool.Return(Ptr, _capacity);
        Ptr = null;
    }
}
