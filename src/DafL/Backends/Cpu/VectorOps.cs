using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static System.Runtime.CompilerServices.Unsafe;
using V256 = System.Runtime.Intrinsics.Vector256<float>;
using V512 = System.Runtime.Intrinsics.Vector512<float>;

namespace DafL.Backends.Cpu;

/// <summary>
/// The float vector operations of the CPU kernels, generic over the register width, so that one kernel body serves
/// both: <c>TVector</c> is <see cref="Vector512{T}"/> or <see cref="Vector256{T}"/> of float (any other type fails the
/// casts). Each operation is the <see cref="Vector512"/> or <see cref="Vector256"/> method of the same name, chosen
/// by <c>typeof(TVector)</c>. The JIT compiles a generic method separately for each struct type argument, where that
/// test is a constant, and drops the untaken branch; <c>Unsafe.BitCast</c> between TVector and the vector type is
/// free. So after inlining a kernel over <c>Vector512&lt;float&gt;</c> is the same machine code as its hand-written
/// Vector512 copy: the same intrinsics, registers and constants, no calls. Each operation is written with no helper
/// calls of its own (the test and the casts are JIT intrinsics): every inlined call counts against the JIT's inlining
/// budget of the kernel that uses it, and nested helpers (a type test and three casts per operation) had exhausted
/// it in Tanh and the GEMM's tile stores, which were left as calls.
/// </summary>
internal static unsafe class VectorOps
{
    /// <summary>Floats per vector.</summary>
    public static int Count<TVector>() where TVector
            : struct => typeof(TVector) == typeof(V512) ? Vector512<float>.Count : Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Load<TVector>(float* p) where TVector : struct =>
        typeof(TVector) == typeof(V512) ? BitCast<V512, TVector>(Vector512.Load(p))
            : BitCast<V256, TVector>(Vector256.Load(p));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<TVector>(TVector v, float* p) where TVector : struct
    {
        if (typeof(TVector) == typeof(V512)) Vector512.Store(BitCast<TVector, V512>(v), p);
        else Vector256.Store(BitCast<TVector, V256>(v), p);
    }

    /// <summary>Every lane <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Create<TVector>(float x) where TVector : struct =>
        typeof(TVector) == typeof(V512) ? BitCast<V512, TVector>(Vector512.Create(x))
            : BitCast<V256, TVector>(Vector256.Create(x));

    /// <summary>Every lane 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector One<TVector>() where TVector : struct =>
        typeof(TVector) == typeof(V512) ? BitCast<V512, TVector>(Vector512<float>.One)
            : BitCast<V256, TVector>(Vector256<float>.One);

    /// <summary>The sum of the lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum<TVector>(TVector v) where TVector : struct =>
        typeof(TVector) == typeof(V512) ? Vector512.Sum(BitCast<TVector, V512>(v))
            : Vector256.Sum(BitCast<TVector, V256>(v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Add<TVector>(TVector a, TVector b) where TVector : struct =>
        typeof(TVector) == typeof(V512) ? BitCast<V512, TVector>(BitCast<TVector, V512>(a) + BitCast<TVector, V512>(b))
            : BitCast<V256, TVector>(BitCast<TVector, V256>(a) + BitCast<TVector, V256>(b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Subtract<TVector>(TVector a, TVector b) where TVector : struct =>
        typeof(TVector) == typeof(V512) ? BitCast<V512, TVector>(BitCast<TVector, V512>(a) - BitCast<TVector, V512>(b))
            : BitCast<V256, TVector>(BitCast<TVector, V256>(a) - BitCast<TVector, V256>(b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Multiply<TVector>(TVector a, TVector b) where TVector : struct =>
        typeof(TVector) == typeof(V512) ? BitCast<V512, TVector>(BitCast<TVector, V512>(a) * BitCast<TVector, V512>(b))
            : BitCast<V256, TVector>(BitCast<TVector, V256>(a) * BitCast<TVector, V256>(b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Divide<TVector>(TVector a, TVector b) where TVector : struct =>
        typeof(TVector) == typeof(V512) ? BitCast<V512, TVector>(BitCast<TVector, V512>(a) / BitCast<TVector, V512>(b))
            : BitCast<V256, TVector>(BitCast<TVector, V256>(a) / BitCast<TVector, V256>(b));

    /// <summary>a·b + c, rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector FusedMultiplyAdd<TVector>(TVector a, TVector b, TVector c) where TVector : struct =>
        typeof(TVector) == typeof(V512) ? BitCast<V512, TVector>(Vector512.FusedMultiplyAdd(BitCast<TVector, V512>(a), BitCast<TVector, V512>(b), BitCast<TVector, V512>(c)))
            : BitCast<V256, TVector>(Vector256.FusedMultiplyAdd(BitCast<TVector, V256>(a), BitCast<TVector, V256>(b), BitCast<TVector, V256>(c)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Sqrt<TVector>(TVector x) where TVector : struct =>
        typeof(TVector) == typeof(V512) ? BitCast<V512, TVector>(Vector512.Sqrt(BitCast<TVector, V512>(x)))
            : BitCast<V256, TVector>(Vector256.Sqrt(BitCast<TVector, V256>(x)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Abs<TVector>(TVector x) where TVector : struct =>
        typeof(TVector) == typeof(V512) ? BitCast<V512, TVector>(Vector512.Abs(BitCast<TVector, V512>(x)))
            : BitCast<V256, TVector>(Vector256.Abs(BitCast<TVector, V256>(x)));

    /// <summary>Lanes to the nearest integer, ties to even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Round<TVector>(TVector x) where TVector : struct =>
        typeof(TVector) == typeof(V512) ? BitCast<V512, TVector>(Vector512.Round(BitCast<TVector, V512>(x)))
            : BitCast<V256, TVector>(Vector256.Round(BitCast<TVector, V256>(x)));

    /// <summary><paramref name="x"/> clamped to [<paramref name="min"/>, <paramref name="max"/>] (Max, then Min).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Clamp<TVector>(TVector x, float min, float max) where TVector : struct =>
        typeof(TVector) == typeof(V512) ? BitCast<V512, TVector>(Vector512.Min(Vector512.Max(BitCast<TVector, V512>(x), Vector512.Create(min)), Vector512.Create(max)))
            : BitCast<V256, TVector>(Vector256.Min(Vector256.Max(BitCast<TVector, V256>(x), Vector256.Create(min)), Vector256.Create(max)));

    /// <summary>|a| with the sign of <paramref name="sign"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector CopySign<TVector>(TVector a, TVector sign) where TVector : struct =>
        typeof(TVector) == typeof(V512) ? BitCast<V512, TVector>(Vector512.CopySign(BitCast<TVector, V512>(a), BitCast<TVector, V512>(sign)))
            : BitCast<V256, TVector>(Vector256.CopySign(BitCast<TVector, V256>(a), BitCast<TVector, V256>(sign)));

    /// <summary>All bits set in the lanes where a &lt; b, else clear.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector LessThan<TVector>(TVector a, TVector b) where TVector : struct =>
        typeof(TVector) == typeof(V512) ? BitCast<V512, TVector>(Vector512.LessThan(BitCast<TVector, V512>(a), BitCast<TVector, V512>(b)))
            : BitCast<V256, TVector>(Vector256.LessThan(BitCast<TVector, V256>(a), BitCast<TVector, V256>(b)));

    /// <summary>All bits set in the lanes where v &gt; max or v is NaN: where v takes the place of the maximum (PyTorch's rule).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector GreaterThanOrNaN<TVector>(TVector v, TVector max) where TVector : struct =>
        typeof(TVector) == typeof(V512) ? BitCast<V512, TVector>(Vector512.GreaterThan(BitCast<TVector, V512>(v), BitCast<TVector, V512>(max)) | ~Vector512.Equals(BitCast<TVector, V512>(v), BitCast<TVector, V512>(v)))
            : BitCast<V256, TVector>(Vector256.GreaterThan(BitCast<TVector, V256>(v), BitCast<TVector, V256>(max)) | ~Vector256.Equals(BitCast<TVector, V256>(v), BitCast<TVector, V256>(v)));

    /// <summary>All bits set in the lanes where x is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector IsNaN<TVector>(TVector x) where TVector : struct =>
        typeof(TVector) == typeof(V512) ? BitCast<V512, TVector>(~Vector512.Equals(BitCast<TVector, V512>(x), BitCast<TVector, V512>(x)))
            : BitCast<V256, TVector>(~Vector256.Equals(BitCast<TVector, V256>(x), BitCast<TVector, V256>(x)));

    /// <summary>Per lane, <paramref name="whereSet"/> where <paramref name="mask"/> is set, else <paramref name="whereClear"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector ConditionalSelect<TVector>(TVector mask, TVector whereSet, TVector whereClear) where TVector : struct =>
        typeof(TVector) == typeof(V512) ? BitCast<V512, TVector>(Vector512.ConditionalSelect(BitCast<TVector, V512>(mask), BitCast<TVector, V512>(whereSet), BitCast<TVector, V512>(whereClear)))
            : BitCast<V256, TVector>(Vector256.ConditionalSelect(BitCast<TVector, V256>(mask), BitCast<TVector, V256>(whereSet), BitCast<TVector, V256>(whereClear)));

    /// <summary>
    /// y·2ⁿ for integral n in [−150, 129], as two multiplications by powers of two that are each a normal float, so
    /// that a subnormal or overflowing 2ⁿ still scales y correctly (the last step of <see cref="Simd.Exp(Vector512{float})"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector ScaleByPowerOfTwo<TVector>(TVector y, TVector n) where TVector : struct
    {
        if (typeof(TVector) == typeof(V512))
        {
            var ni = Vector512.ConvertToInt32(BitCast<TVector, V512>(n));
            var half = ni >> 1;
            return BitCast<V512, TVector>(BitCast<TVector, V512>(y) * ((half + Vector512.Create(127)) << 23).AsSingle() * ((ni - half + Vector512.Create(127)) << 23).AsSingle());
        }
        var ni256 = Vector256.ConvertToInt32(BitCast<TVector, V256>(n));
        var half256 = ni256 >> 1;
        return BitCast<V256, TVector>(BitCast<TVector, V256>(y) * ((half256 + Vector256.Create(127)) << 23).AsSingle() * ((ni256 - half256 + Vector256.Create(127)) << 23).AsSingle());
    }
}
