using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DafL.Backends.Cpu;

/// <summary>
/// The float vector operations of the CPU kernels, generic over the register width, so that one kernel body serves
/// both: <c>TVector</c> is <see cref="Vector512{T}"/> or <see cref="Vector256{T}"/> of float (any other type fails the
/// casts). Each operation is the <see cref="Vector512"/> or <see cref="Vector256"/> method of the same name, chosen
/// by <c>typeof(TVector)</c>. The JIT compiles a generic method separately for each struct type argument, where that
/// test is a constant, and drops the untaken branch and the <c>(T)(object)</c> casts (the pattern the BCL's own
/// vector code uses), so after inlining a kernel over <c>Vector512&lt;float&gt;</c> is the same machine code as its
/// hand-written Vector512 copy: the same intrinsics, registers and constants, no calls, no boxing.
/// </summary>
internal static unsafe class VectorOps
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool Is512<TVector>() where TVector : struct => typeof(TVector) == typeof(Vector512<float>);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> As512<TVector>(TVector v) where TVector : struct => (Vector512<float>)(object)v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> As256<TVector>(TVector v) where TVector : struct => (Vector256<float>)(object)v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TVector As<TVector>(Vector512<float> v) where TVector : struct => (TVector)(object)v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TVector As<TVector>(Vector256<float> v) where TVector : struct => (TVector)(object)v;

    /// <summary>Floats per vector.</summary>
    public static int Count<TVector>() where TVector : struct => Is512<TVector>() ? Vector512<float>.Count : Vector256<float>.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Load<TVector>(float* p) where TVector : struct =>
        Is512<TVector>() ? As<TVector>(Vector512.Load(p)) : As<TVector>(Vector256.Load(p));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store<TVector>(TVector v, float* p) where TVector : struct
    {
        if (Is512<TVector>()) Vector512.Store(As512(v), p);
        else Vector256.Store(As256(v), p);
    }

    /// <summary>Every lane <paramref name="x"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Create<TVector>(float x) where TVector : struct =>
        Is512<TVector>() ? As<TVector>(Vector512.Create(x)) : As<TVector>(Vector256.Create(x));

    /// <summary>Every lane 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector One<TVector>() where TVector : struct =>
        Is512<TVector>() ? As<TVector>(Vector512<float>.One) : As<TVector>(Vector256<float>.One);

    /// <summary>The sum of the lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum<TVector>(TVector v) where TVector : struct =>
        Is512<TVector>() ? Vector512.Sum(As512(v)) : Vector256.Sum(As256(v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Add<TVector>(TVector a, TVector b) where TVector : struct =>
        Is512<TVector>() ? As<TVector>(As512(a) + As512(b)) : As<TVector>(As256(a) + As256(b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Subtract<TVector>(TVector a, TVector b) where TVector : struct =>
        Is512<TVector>() ? As<TVector>(As512(a) - As512(b)) : As<TVector>(As256(a) - As256(b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Multiply<TVector>(TVector a, TVector b) where TVector : struct =>
        Is512<TVector>() ? As<TVector>(As512(a) * As512(b)) : As<TVector>(As256(a) * As256(b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Divide<TVector>(TVector a, TVector b) where TVector : struct =>
        Is512<TVector>() ? As<TVector>(As512(a) / As512(b)) : As<TVector>(As256(a) / As256(b));

    /// <summary>a·b + c, rounded once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector FusedMultiplyAdd<TVector>(TVector a, TVector b, TVector c) where TVector : struct =>
        Is512<TVector>() ? As<TVector>(Vector512.FusedMultiplyAdd(As512(a), As512(b), As512(c)))
            : As<TVector>(Vector256.FusedMultiplyAdd(As256(a), As256(b), As256(c)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Sqrt<TVector>(TVector x) where TVector : struct =>
        Is512<TVector>() ? As<TVector>(Vector512.Sqrt(As512(x))) : As<TVector>(Vector256.Sqrt(As256(x)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Abs<TVector>(TVector x) where TVector : struct =>
        Is512<TVector>() ? As<TVector>(Vector512.Abs(As512(x))) : As<TVector>(Vector256.Abs(As256(x)));

    /// <summary>Lanes to the nearest integer, ties to even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Round<TVector>(TVector x) where TVector : struct =>
        Is512<TVector>() ? As<TVector>(Vector512.Round(As512(x))) : As<TVector>(Vector256.Round(As256(x)));

    /// <summary><paramref name="x"/> clamped to [<paramref name="min"/>, <paramref name="max"/>] (Max, then Min).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Clamp<TVector>(TVector x, float min, float max) where TVector : struct =>
        Is512<TVector>() ? As<TVector>(Vector512.Min(Vector512.Max(As512(x), Vector512.Create(min)), Vector512.Create(max)))
            : As<TVector>(Vector256.Min(Vector256.Max(As256(x), Vector256.Create(min)), Vector256.Create(max)));

    /// <summary>|a| with the sign of <paramref name="sign"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector CopySign<TVector>(TVector a, TVector sign) where TVector : struct =>
        Is512<TVector>() ? As<TVector>(Vector512.CopySign(As512(a), As512(sign))) : As<TVector>(Vector256.CopySign(As256(a), As256(sign)));

    /// <summary>All bits set in the lanes where a &lt; b, else clear.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector LessThan<TVector>(TVector a, TVector b) where TVector : struct =>
        Is512<TVector>() ? As<TVector>(Vector512.LessThan(As512(a), As512(b))) : As<TVector>(Vector256.LessThan(As256(a), As256(b)));

    /// <summary>All bits set in the lanes where v &gt; max or v is NaN: where v takes the place of the maximum (PyTorch's rule).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector GreaterThanOrNaN<TVector>(TVector v, TVector max) where TVector : struct =>
        Is512<TVector>() ? As<TVector>(Vector512.GreaterThan(As512(v), As512(max)) | ~Vector512.Equals(As512(v), As512(v)))
            : As<TVector>(Vector256.GreaterThan(As256(v), As256(max)) | ~Vector256.Equals(As256(v), As256(v)));

    /// <summary>All bits set in the lanes where x is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector IsNaN<TVector>(TVector x) where TVector : struct =>
        Is512<TVector>() ? As<TVector>(~Vector512.Equals(As512(x), As512(x))) : As<TVector>(~Vector256.Equals(As256(x), As256(x)));

    /// <summary>Per lane, <paramref name="whereSet"/> where <paramref name="mask"/> is set, else <paramref name="whereClear"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector ConditionalSelect<TVector>(TVector mask, TVector whereSet, TVector whereClear) where TVector : struct =>
        Is512<TVector>() ? As<TVector>(Vector512.ConditionalSelect(As512(mask), As512(whereSet), As512(whereClear)))
            : As<TVector>(Vector256.ConditionalSelect(As256(mask), As256(whereSet), As256(whereClear)));

    /// <summary>
    /// y·2ⁿ for integral n in [−150, 129], as two multiplications by powers of two that are each a normal float, so
    /// that a subnormal or overflowing 2ⁿ still scales y correctly (the last step of <see cref="Simd.Exp(Vector512{float})"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector ScaleByPowerOfTwo<TVector>(TVector y, TVector n) where TVector : struct
    {
        if (Is512<TVector>())
        {
            var ni = Vector512.ConvertToInt32(As512(n));
            var half = ni >> 1;
            return As<TVector>(As512(y) * ((half + Vector512.Create(127)) << 23).AsSingle() * ((ni - half + Vector512.Create(127)) << 23).AsSingle());
        }
        var ni256 = Vector256.ConvertToInt32(As256(n));
        var half256 = ni256 >> 1;
        return As<TVector>(As256(y) * ((half256 + Vector256.Create(127)) << 23).AsSingle() * ((ni256 - half256 + Vector256.Create(127)) << 23).AsSingle());
    }
}
