using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DafL.Backends.Cpu;

/// <summary>
/// The machine's fp32 FMA peak: independent FMA chains held in vector registers (enough to cover the FMA latency
/// on every FMA pipe), no memory traffic. One call of <see cref="FmaPeak.Run"/> performs
/// <see cref="FlopsPerThread"/> floating-point operations on its thread. It is the denominator of every "% of peak"
/// figure: BenchmarkDotNet's columns and <c>dafl profile</c> measure it in the same process, on the same thread count.
/// </summary>
public static class FmaPeak
{
    /// <summary>Loop trips per call.</summary>
    public const long Iterations = 1 << 20;
    /// <summary>
    /// Independent accumulators: a 4-cycle FMA latency on 2 FMA pipes needs 8. Vector512: 16 (of 32 zmm registers);
    /// Vector256: 12 (16 ymm registers without AVX-512, two hold the constants).
    /// </summary>
    public static readonly int Chains = Vector512.IsHardwareAccelerated ? 16 : 12;
    /// <summary>FLOP per call on one thread: Iterations × Chains × lanes (16 or 8) × 2 (multiply and add).</summary>
    public static readonly double FlopsPerThread = (double)Iterations * Chains * (Vector512.IsHardwareAccelerated ? 16 : 8) * 2;

    /// <summary>Runs the FMA chains on the calling thread; the result only keeps the work observable.</summary>
    public static float Run() => Vector512.IsHardwareAccelerated ? Run512(Iterations) : Run256(Iterations);

    /// <summary>GFLOP/s of <paramref name="threads"/> threads running <see cref="Run"/> together (best of a few tries).</summary>
    public static double MeasureGflops(int threads)
    {
        double best = 0;
        for (int attempt = 0; attempt < 10; attempt++)
        {
            var sw = Stopwatch.StartNew();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Run());
            best = Math.Max(best, threads * FlopsPerThread / sw.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Run512(long iterations)
    {
        // x ← x·m + a with m just below 1: values converge to a/(1 − m) = 1, finite and never denormal.
        var m = Vector512.Create(0.999999f);
        var a = Vector512.Create(1e-6f);
        Vector512<float> c0 = Vector512.Create(0f), c1 = Vector512.Create(1f), c2 = Vector512.Create(2f), c3 = Vector512.Create(3f),
            c4 = Vector512.Create(4f), c5 = Vector512.Create(5f), c6 = Vector512.Create(6f), c7 = Vector512.Create(7f),
            c8 = Vector512.Create(8f), c9 = Vector512.Create(9f), c10 = Vector512.Create(10f), c11 = Vector512.Create(11f),
            c12 = Vector512.Create(12f), c13 = Vector512.Create(13f), c14 = Vector512.Create(14f), c15 = Vector512.Create(15f);
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
            c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a);
            c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
            c12 = Vector512.FusedMultiplyAdd(c12, m, a); c13 = Vector512.FusedMultiplyAdd(c13, m, a);
            c14 = Vector512.FusedMultiplyAdd(c14, m, a); c15 = Vector512.FusedMultiplyAdd(c15, m, a);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Run256(long iterations)
    {
        var m = Vector256.Create(0.999999f);
        var a = Vector256.Create(1e-6f);
        Vector256<float> c0 = Vector256.Create(0f), c1 = Vector256.Create(1f), c2 = Vector256.Create(2f), c3 = Vector256.Create(3f),
            c4 = Vector256.Create(4f), c5 = Vector256.Create(5f), c6 = Vector256.Create(6f), c7 = Vector256.Create(7f),
            c8 = Vector256.Create(8f), c9 = Vector256.Create(9f), c10 = Vector256.Create(10f), c11 = Vector256.Create(11f);
        for (long i = 0; i < iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a); c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            c8 = Vector256.FusedMultiplyAdd(c8, m, a); c9 = Vector256.FusedMultiplyAdd(c9, m, a);
            c10 = Vector256.FusedMultiplyAdd(c10, m, a); c11 = Vector256.FusedMultiplyAdd(c11, m, a);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
