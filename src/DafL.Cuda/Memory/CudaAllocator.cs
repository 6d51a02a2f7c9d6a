using DafL.Memory;
using DafL.Native;

namespace DafL.Backends.Cuda.Memory;

/// <summary>
/// A caching allocator for device memory, the GPU's counterpart of <see cref="BufferPool"/>: requests are rounded
/// up to the same size classes (<see cref="BufferPool.SizeClass"/>: powers of two and their 1.5 multiples), and a
/// freed block goes to its class's cache instead of back to the driver, so a training loop that asks for the same
/// shapes every step stops calling <c>cuMemAlloc</c> / <c>cuMemFree</c> (both slow, and <c>cuMemFree</c> waits for
/// the device) after its first step.
/// <para>
/// Reuse without waiting is safe because the backend queues all its work on ONE stream: a block freed while
/// kernels that use it are still queued can be handed out at once, since whatever the new owner queues runs after
/// them in stream order. With several streams this would break: a block freed by stream A could be written by
/// stream B while A's kernels still read it. Each block would then have to remember the streams that used it and
/// be reused only after an event recorded on them has completed (PyTorch's <c>recordStream</c>), or the cache
/// would be kept per stream.
/// </para>
/// <para>
/// Blocks actually freed (<see cref="Trim"/>, or when the device runs out of memory and the cache is emptied
/// before a retry) are freed only after <see cref="IDeviceMemory.WaitForQueuedWork"/>. Thread-safe: tensors may be
/// disposed on any thread.
/// </para>
/// </summary>
public sealed class CudaAllocator
{
    readonly IDeviceMemory _memory;
    readonly object _gate = new();
    readonly Dictionary<long, Stack<DevicePointer>> _cache = [];
    long _liveBlocks, _liveBytes, _cachedBytes, _deviceAllocations, _rented;
    bool _closed;

    internal CudaAllocator(IDeviceMemory memory) => _memory = memory;

    /// <summary>Blocks handed out and not yet returned.</summary>
    public long LiveBlocks { get { lock (_gate) return _liveBlocks; } }
    /// <summary>Bytes in live blocks (size-class bytes).</summary>
    public long LiveBytes { get { lock (_gate) return _liveBytes; } }
    /// <summary>Bytes held in the cache, ready for reuse.</summary>
    public long CachedBytes { get { lock (_gate) return _cachedBytes; } }
    /// <summary>How many times a request went to the device (a cache miss), since the allocator was made.</summary>
    public long DeviceAllocations { get { lock (_gate) return _deviceAllocations; } }
    /// <summary>Requests since the allocator was made, hits and misses.</summary>
    public long Requests { get { lock (_gate) return _rented; } }

    /// <summary>
    /// A block of at least <paramref name="floats"/> floats (contents undefined) and its capacity in floats,
    /// which <see cref="Return"/> must get back. Throws when the device has no memory left even after the cache
    /// was emptied.
    /// </summary>
    public DevicePointer Rent(long floats, out long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(floats);
        capacity = BufferPool.SizeClass(Math.Max(floats, 1));
        long bytes = capacity * sizeof(float);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            _rented++;
            if (_cache.TryGetValue(capacity, out var stack) && stack.TryPop(out var cached))
            {
                _cachedBytes -= bytes;
                return Hand(cached, bytes);
            }
            if (!_memory.TryAllocate(bytes, out var pointer))
            {
                // Out of memory: give every cached block back to the device and try once more.
                FreeCache();
                if (!_memory.TryAllocate(bytes, out pointer))
                    throw new InvalidOperationException(
                        $"CUDA out of memory: a block of {bytes} bytes could not be allocated with {_liveBytes} bytes live in {_liveBlocks} blocks (the cache was emptied first).");
            }
            _deviceAllocations++;
            return Hand(pointer, bytes);
        }
    }

    /// <summary>Takes back a block from <see cref="Rent"/> (with the capacity Rent gave); queued work may still use it.</summary>
    public void Return(DevicePointer pointer, long capacity)
    {
        long bytes = capacity * sizeof(float);
        lock (_gate)
        {
            _liveBlocks--;
            _liveBytes -= bytes;
            if (_closed)
            {
                // The backend is gone: free at once, and let the device go with the last block.
                _memory.WaitForQueuedWork();
                _memory.Free(pointer);
                if (_liveBlocks == 0) _memory.Dispose();
                return;
            }
            if (!_cache.TryGetValue(capacity, out var stack)) _cache[capacity] = stack = new Stack<DevicePointer>();
            stack.Push(pointer);
            _cachedBytes += bytes;
        }
    }

    /// <summary>Frees every cached (not live) block on the device, after the queued work is done.</summary>
    public void Trim()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            FreeCache();
        }
    }

    /// <summary>
    /// Frees the cache and stops caching: blocks still live are freed as they come back, and the device memory
    /// (context and stream) is released when none is live any more — now, if none is.
    /// </summary>
    public void Close()
    {
        lock (_gate)
        {
            if (_closed) return;
            FreeCache();
            _closed = true;
            if (_liveBlocks == 0) _memory.Dispose();
        }
    }

    DevicePointer Hand(DevicePointer pointer, long bytes)
    {
        _liveBlocks++;
        _liveBytes += bytes;
        return pointer;
    }

    void FreeCache()
    {
        if (_cachedBytes == 0) return;
        _memory.WaitForQueuedWork();
        foreach (var stack in _cache.Values)
            while (stack.TryPop(out var pointer)) _memory.Free(pointer);
        _cachedBytes = 0;
    }
}
