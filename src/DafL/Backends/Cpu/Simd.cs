using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DafL.Backends.Cpu;

/// <summary>
/// Small vector loops shared by the CPU kernels: Vector512 where the hardware has it, Vector256 otherwise,
/// and a scalar tail. Each takes raw pointers so that callers can hand it any sub-range.
/// </summary>
internal static unsafe class Simd
{
    public static readonly bool Has512 = Vector512.IsHardwareAccelerated;

    /// <summary>z[i] = x[i] + y[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(float* x, float* y, float* z, long n)
    {
        long i = 0;
        if (Has512)
            for (; i + 16 <= n; i += 16) Vector512.Store(Vector512.Load(x + i) + Vector512.Load(y + i), z + i);
        for (; i + 8 <= n; i += 8) Vector256.Store(Vector256.Load(x + i) + Vector256.Load(y + i), z + i);
        for (; i < n; i++) z[i] = x[i] + y[i];
    }

    /// <summary>z[i] = x[i] * y[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Mul(float* x, float* y, float* z, long n)
    {
        long i = 0;
        if (Has512)
            for (; i + 16 <= n; i += 16) Vector512.Store(Vector512.Load(x + i) * Vector512.Load(y + i), z + i);
        for (; i + 8 <= n; i += 8) Vector256.Store(Vector256.Load(x + i) * Vector256.Load(y + i), z + i);
        for (; i < n; i++) z[i] = x[i] * y[i];
    }

    /// <summary>y[i] = a * x[i] + b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Affine(float* x, float a, float b, float* y, long n)
    {
        long i = 0;
        if (Has512)
        {
            var va = Vector512.Create(a); var vb = Vector512.Create(b);
            for (; i + 16 <= n; i += 16) Vector512.Store(Vector512.FusedMultiplyAdd(Vector512.Load(x + i), va, vb), y + i);
        }
        for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd(x[i], a, b);
    }

    /// <summary>Sum of x[0..n) with eight independent accumulators (float64 tail-free pairwise-ish accuracy).</summary>
    public static double Sum(float* x, long n)
    {
        long i = 0;
        var acc = Vector512<float>.Zero;
        double total = 0;
        if (Has512)
        {
            // Flush the vector accumulator into double every 4096 elements to bound float32 rounding growth.
            while (i + 16 <= n)
            {
                long end = Math.Min(n - 15, i + 4096);
                for (; i < end; i += 16) acc += Vector512.Load(x + i);
                total += Vector512.Sum(acc);
                acc = Vector512<float>.Zero;
            }
        }
        for (; i < n; i++) total += x[i];
        return total;
    }
}
