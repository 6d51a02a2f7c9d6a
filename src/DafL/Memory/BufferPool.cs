using System.Runtime.InteropServices;

namespace DafL.Memory;

/// <summary>
/// A caching allocator for 64-byte-aligned native float buffers. Requests are rounded up to a size class
/// (powers of two and their 1.5 multiples) so that a training loop, which asks for the same shapes every step,
/// reuses the same buffers instead of calling the system allocator. Live counters let tests assert that every
/// buffer rented was returned.
/// </summary>
public static unsafe class BufferPool
{
    const nuint Alignment = 64;
    static readonly object Gate = new();
    static readonly Dictionary<long, Stack<nint>> Free = new();
    static long _live, _liveBytes, _cachedBytes, _rentedTotal, _systemAllocs;

    /// <summary>Buffers rented and not yet returned.</summary>
    public static long LiveBuffers => Interlocked.Read(ref _live);
    /// <summary>Bytes in buffers rented and not yet returned (size-class bytes).</summary>
    public static long LiveBytes => Interlocked.Read(ref _liveBytes);
    /// <summary>Bytes held in the cache, ready for reuse.</summary>
    public static long CachedBytes => Interlocked.Read(ref _cachedBytes);
    /// <summary>Rentals since start, and how many of them went to the system allocator.</summary>
    public static (long Rented, long SystemAllocations) Counters => (_rentedTotal, _systemAllocs);

    /// <summary>Rounds a request (in floats) up to its size class.</summary>
    public static long SizeClass(long floats)
    {
        if (floats <= 16) return 16;
        long p = 1L << (63 - (int)long.LeadingZeroCount(floats)); // largest power of two <= floats
        if (p == floats) return p;
        long mid = p + p / 2;
        return floats <= mid ? mid : p * 2;
    }

    /// <summary>Rents a buffer of at least <paramref name="floats"/> floats; contents are undefined.</summary>
    public static float* Rent(long floats, out long capacity)
    {
        capacity = SizeClass(Math.Max(floats, 1));
        nint ptr = 0;
        lock (Gate)
        {
            _rentedTotal++;
            if (Free.TryGetValue(capacity, out var stack) && stack.Count > 0)
            {
                ptr = stack.Pop();
                _cachedBytes -= capacity * sizeof(float);
            }
        }
        if (ptr == 0)
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
        lock (Gate)
        {
            if (!Free.TryGetValue(capacity, out var stack)) Free[capacity] = stack = new Stack<nint>();
            stack.Push((nint)ptr);
            _cachedBytes += capacity * sizeof(float);
        }
    }

    /// <summary>Frees every cached (not live) buffer back to the system.</summary>
    public static void Trim()
    {
        lock (Gate)
        {
            foreach (var stack in Free.Values)
                while (stack.Count > 0) NativeMemory.AlignedFree((void*)stack.Pop());
            Free.Clear();
            _cachedBytes = 0;
        }
    }
}
