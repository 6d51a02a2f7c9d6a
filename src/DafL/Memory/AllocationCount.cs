namespace DafL.Memory;

/// <summary>
/// What a stretch of code allocated: native buffers the <see cref="BufferPool"/> had to get from the system (a
/// steady training loop gets none: every shape it asks for is cached after the first steps), pool rentals (served
/// from the cache or not), and managed heap bytes on all threads. <see cref="Start"/> takes the counters,
/// <see cref="Since"/> the difference.
/// </summary>
public readonly record struct AllocationCount(long SystemAllocations, long Rentals, long ManagedBytes)
{
    /// <summary>The counters now, process-wide (pool) and over every thread (managed heap, precise).</summary>
    public static AllocationCount Start()
    {
        var (rented, system) = BufferPool.Counters;
        return new(system, rented, GC.GetTotalAllocatedBytes(precise: true));
    }

    /// <summary>What was allocated since <paramref name="start"/> was taken.</summary>
    public static AllocationCount Since(AllocationCount start)
    {
        var now = Start();
        return new(now.SystemAllocations - start.SystemAllocations, now.Rentals - start.Rentals, now.ManagedBytes - start.ManagedBytes);
    }
}
