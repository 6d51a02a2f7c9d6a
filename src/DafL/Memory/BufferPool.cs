using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace DafL.Memory;

/// <summary>
/// A caching allocator for 64-byte-aligned native float buffers. Requests are rounded up to a size class
/// (powers of two and their 1.5 multiples) so that a training loop, which asks for the same shapes every step,
/// reuses the same buffers instead of calling the system allocator. Each size class is a lock-free stack, so the
/// worker threads of a parallel kernel renting scratch at the same moment never wait on each other.
/// Live counters let tests assert that every buffer rented was returned.
/// </summary>
public static unsafe class BufferPool
{
    const nuint Alignment = 64;
    // Two classes per power of two (2^k and 1.5·2^k) up to 2^62 floats.
    static readonly ConcurrentStack<nint>[] Free = Enumerable.Range(0, 128).Select(_ => new ConcurrentStack<nint>()).ToArray();
    static long _live, _liveBytes, _cachedBytes, _rentedTotal, _systemAllocs;

    /// <summary>Buffers rented and not yet returned.</summary>
    public static long LiveBuffers => Interlocked.Read(ref _live);
    /// <summary>Bytes in buffers rented and not yet returned (size-class bytes).</summary>
    public static long LiveBytes => Interlocked.Read(ref _liveBytes);
    /// <summary>Bytes held in the cache, ready for reuse.</summary>
    public static long CachedBytes => Interlocked.Read(ref _cachedBytes);
    /// <summary>Rentals since start, and how many of them went to the system allocator.</summary>
    public static (long Rented, long SystemAllocations) Counters => (Interlocked.Read(ref _rentedTotal), Interlocked.Read(ref _systemAllocs));

    /// <summary>Rounds a request (in floats) up to its size class.</summary>
    public static long SizeClass(long floats)
    {
        if (floats <= 16) return 16;
        long p = 1L << (63 - (int)long.LeadingZeroCount(floats)); // largest power of two <= floats
        if (p == floats) return p;
        long mid = p + p / 2;
        return floats <= mid ? mid : p * 2;
    }

    /// <summary>Index of a size class in <see cref="Free"/>: 2·log2 for 2^k, one more for 1.5·2^k.</summary>
    static int ClassIndex(long capacity)
    {
        int log = 63 - (int)long.LeadingZeroCount(capacity);
        return 2 * log + ((1L << log) == capacity ? 0 : 1);
    }

    /// <summary>Rents a buffer of at least <paramref name="floats"/> floats; contents are undefined.</summary>
    public static float* Rent(long floats, out long capacity)
    {
        capacity = SizeClass(Math.Max(floats, 1));
        Interlocked.Increment(ref _rentedTotal);
        if (Free[ClassIndex(capacity)].TryPop(out var ptr))
            Interlocked.Add(ref _cachedBytes, -capacity * sizeof(float));
        else
        {
            ptr = (nint)NativeMemory.AlignedAlloc((nuint)(capacity * sizeof(float)), Alignment);
            Interlocked.Increment(ref _systemAllocs);
        }
        Interlocked.Increment(ref _live);
        Interlocked.Add(ref _liveBytes, capacity * sizeof(float));
        return (float*)ptr;
    }

    /// <summary>Returns a buffer rented with capacity <paramref name="capacity"/> to the cache.</summary>
    public static void Return(float* ptr, long capacity)
    {
        Interlocked.Decrement(ref _live);
        Interlocked.Add(ref _liveBytes, -capacity * sizeof(float));
        Interlocked.Add(ref _cachedBytes, capacity * sizeof(float));
        Free[ClassIndex(capacity)].Push((nint)ptr);
    }

    /// <summary>Frees every cached (not live) buffer back to the system.</summary>
    public static void Trim()
    {
        foreach (var stack in Free)
            while (stack.TryPop(out var ptr)) NativeMemory.AlignedFree((void*)ptr);
        Interlocked.Exchange(ref _cachedBytes, 0);
    }
}
