using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static DafL.Backends.Cpu.VectorOps;

namespace DafL.Backends.Cpu;

static unsafe partial class Gemm
{
    /// <summary>
    /// Computes one MR×w tile of C: tile[r, 0..w) = Σₖ a[r·rsA + k·csA] · b[k·rsB + 0..w), where the A panel is
    /// packed (rsA = 1, csA = MR) or read in place from op(A) (its strides), and the B panel is packed (rsB = w) or
    /// read in place from a row-major B (rsB = ldb), then stores
    /// C = alpha·tile (beta 0: C is not read, so garbage or NaN there cannot leak in) or C = alpha·tile + beta·C.
    /// <c>c</c> points at the tile's top-left element, <c>ldc</c> is C's row stride.
    /// </summary>
    internal readonly struct MicroKernels
    {
        /// <summary>Columns of a full tile (the width of a packed B panel).</summary>
        public readonly int Nr;
        /// <summary>MR × Nr tile.</summary>
        public readonly delegate*<int, float*, nint, nint, float*, nint, float*, nint, float, float, void> Wide;
        /// <summary>MR × Nr/2 tile, for a last column panel at most half full (N = 10, N = 784 = 24·32 + 16).</summary>
        public readonly delegate*<int, float*, nint, nint, float*, nint, float*, nint, float, float, void> Narrow;

        MicroKernels(int nr, delegate*<int, float*, nint, nint, float*, nint, float*, nint, float, float, void> wide, delegate*<int, float*, nint, nint, float*, nint, float*, nint, float, float, void> narrow)
        {
            Nr = nr;
            Wide = wide;
            Narrow = narrow;
        }

        /// <summary>The widest family this machine runs natively.</summary>
        public static MicroKernels Native => Simd.Has512 ? Vector512Tiles : Vector256Tiles;
        /// <summary>6×32 and 6×16 tiles in Vector512 registers (12 or 6 accumulators of the 32 zmm registers).</summary>
        public static MicroKernels Vector512Tiles => new(32, &Kernel6xTwoVectors<Vector512<float>>, &Kernel6xOneVector<Vector512<float>>);
        /// <summary>6×16 and 6×8 tiles in Vector256 registers (12 accumulators fit AVX2's 16 ymm registers).</summary>
        public static MicroKernels Vector256Tiles => new(16, &Kernel6xTwoVectors<Vector256<float>>, &Kernel6xOneVector<Vector256<float>>);
    }

    // Each kernel keeps the whole tile in registers for the k loop: per k it loads one row of the B panel,
    // broadcasts the MR values of the A panel one at a time and issues MR·(vectors per row) independent FMAs,
    // enough chains to cover the FMA latency on both FMA pipes. Written once over the vector type (VectorOps): the
    // JIT compiles each width's instantiation to the code its own copy was.

    /// <summary>MR × 2 vectors: 6×32 in Vector512 (12 of the 32 zmm registers), 6×16 in Vector256 (12 of AVX2's 16 ymm).</summary>
    static void Kernel6xTwoVectors<TVector>(int kc, float* a, nint rsA, nint csA, float* b, nint rsB, float* c, nint ldc, float alpha, float beta)
        where TVector : struct
    {
        int w = Count<TVector>();
        nint a2 = 2 * rsA, a3 = 3 * rsA, a4 = 4 * rsA, a5 = 5 * rsA;
        TVector c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Load<TVector>(b);
            var b1 = Load<TVector>(b + w);
            var x = Create<TVector>(a[0]);
            c00 = FusedMultiplyAdd(x, b0, c00); c01 = FusedMultiplyAdd(x, b1, c01);
            x = Create<TVector>(a[rsA]);
            c10 = FusedMultiplyAdd(x, b0, c10); c11 = FusedMultiplyAdd(x, b1, c11);
            x = Create<TVector>(a[a2]);
            c20 = FusedMultiplyAdd(x, b0, c20); c21 = FusedMultiplyAdd(x, b1, c21);
            x = Create<TVector>(a[a3]);
            c30 = FusedMultiplyAdd(x, b0, c30); c31 = FusedMultiplyAdd(x, b1, c31);
            x = Create<TVector>(a[a4]);
            c40 = FusedMultiplyAdd(x, b0, c40); c41 = FusedMultiplyAdd(x, b1, c41);
            x = Create<TVector>(a[a5]);
            c50 = FusedMultiplyAdd(x, b0, c50); c51 = FusedMultiplyAdd(x, b1, c51);
            a += csA;
            b += rsB;
        }
        var va = Create<TVector>(alpha);
        var vb = Create<TVector>(beta);
        bool load = beta != 0;
        Store(c00, c, va, vb, load); Store(c01, c + w, va, vb, load); c += ldc;
        Store(c10, c, va, vb, load); Store(c11, c + w, va, vb, load); c += ldc;
        Store(c20, c, va, vb, load); Store(c21, c + w, va, vb, load); c += ldc;
        Store(c30, c, va, vb, load); Store(c31, c + w, va, vb, load); c += ldc;
        Store(c40, c, va, vb, load); Store(c41, c + w, va, vb, load); c += ldc;
        Store(c50, c, va, vb, load); Store(c51, c + w, va, vb, load);
    }

    /// <summary>MR × 1 vector: 6×16 in Vector512, 6×8 in Vector256.</summary>
    static void Kernel6xOneVector<TVector>(int kc, float* a, nint rsA, nint csA, float* b, nint rsB, float* c, nint ldc, float alpha, float beta)
        where TVector : struct
    {
        nint a2 = 2 * rsA, a3 = 3 * rsA, a4 = 4 * rsA, a5 = 5 * rsA;
        TVector c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Load<TVector>(b);
            c0 = FusedMultiplyAdd(Create<TVector>(a[0]), b0, c0);
            c1 = FusedMultiplyAdd(Create<TVector>(a[rsA]), b0, c1);
            c2 = FusedMultiplyAdd(Create<TVector>(a[a2]), b0, c2);
            c3 = FusedMultiplyAdd(Create<TVector>(a[a3]), b0, c3);
            c4 = FusedMultiplyAdd(Create<TVector>(a[a4]), b0, c4);
            c5 = FusedMultiplyAdd(Create<TVector>(a[a5]), b0, c5);
            a += csA;
            b += rsB;
        }
        var va = Create<TVector>(alpha);
        var vb = Create<TVector>(beta);
        bool load = beta != 0;
        Store(c0, c, va, vb, load); c += ldc;
        Store(c1, c, va, vb, load); c += ldc;
        Store(c2, c, va, vb, load); c += ldc;
        Store(c3, c, va, vb, load); c += ldc;
        Store(c4, c, va, vb, load); c += ldc;
        Store(c5, c, va, vb, load);
    }

    /// <summary>c = alpha·acc (C not read), or c = alpha·acc + beta·c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store<TVector>(TVector acc, float* c, TVector alpha, TVector beta, bool load) where TVector : struct =>
        VectorOps.Store(load ? FusedMultiplyAdd(Load<TVector>(c), beta, Multiply(acc, alpha)) : Multiply(acc, alpha), c);
}
