namespace DafL;

/// <summary>
/// The one way this code splits work over the CPU's cores: the CPU backend's kernels and the data pipeline
/// (decoding, resizing, batching) share it, so both size their chunks the same way.
/// </summary>
public static class Parallelism
{
    /// <summary>
    /// At most one worker per core: the thread pool may hold more threads than cores (it adds some when work
    /// blocks), and a kernel spread over more threads than cores only waits longer, with more scratch buffers
    /// rented at once (each new high-water mark a trip to the system allocator). The chunks do not depend on it.
    /// </summary>
    internal static readonly ParallelOptions OneThreadPerCore = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    /// <summary>
    /// Splits [0, count) into chunks of at least <paramref name="grain"/> elements and runs them in parallel
    /// (inline when there is only one chunk, so small tensors pay no scheduling cost).
    /// </summary>
    public static void ForRanges(long count, long grain, Action<long, long> body)
    {
        int chunks = (int)Math.Clamp(count / Math.Max(grain, 1), 1, Environment.ProcessorCount * 4);
        if (chunks == 1)
        {
            body(0, count);
            return;
        }
        long size = (count + chunks - 1) / chunks;
        Parallel.For(0, chunks, OneThreadPerCore, c =>
        {
            long from = c * size, to = Math.Min(count, from + size);
            if (from < to) body(from, to);
        });
    }
}
