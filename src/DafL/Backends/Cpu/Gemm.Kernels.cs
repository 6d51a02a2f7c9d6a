using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
        public static MicroKernels Vector512Tiles => new(32, &Kernel6x32V512, &Kernel6x16V512);
        /// <summary>6×16 and 6×8 tiles in Vector256 registers (12 accumulators fit AVX2's 16 ymm registers).</summary>
        public static MicroKernels Vector256Tiles => new(16, &Kernel6x16V256, &Kernel6x8V256);
    }

    // Each kernel keeps the whole tile in registers for the k loop: per k it loads one row of the B panel,
    // broadcasts the MR values of the A panel one at a time and issues MR·(vectors per row) independent FMAs,
    // enough chains to cover the FMA latency on both FMA pipes.

    static void Kernel6x32V512(int kc, float* a, nint rsA, nint csA, float* b, nint rsB, float* c, nint ldc, float alpha, float beta)
    {
        nint a2 = 2 * rsA, a3 = 3 * rsA, a4 = 4 * rsA, a5 = 5 * rsA;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[rsA]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[a2]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[a3]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[a4]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[a5]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            a += csA;
            b += rsB;
        }
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        bool load = beta != 0;
        Store(c00, c, va, vb, load); Store(c01, c + 16, va, vb, load); c += ldc;
        Store(c10, c, va, vb, load); Store(c11, c + 16, va, vb, load); c += ldc;
        Store(c20, c, va, vb, load); Store(c21, c + 16, va, vb, load); c += ldc;
        Store(c30, c, va, vb, load); Store(c31, c + 16, va, vb, load); c += ldc;
        Store(c40, c, va, vb, load); Store(c41, c + 16, va, vb, load); c += ldc;
        Store(c50, c, va, vb, load); Store(c51, c + 16, va, vb, load);
    }

    static void Kernel6x16V512(int kc, float* a, nint rsA, nint csA, float* b, nint rsB, float* c, nint ldc, float alpha, float beta)
    {
        nint a2 = 2 * rsA, a3 = 3 * rsA, a4 = 4 * rsA, a5 = 5 * rsA;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector512.Load(b);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[rsA]), b0, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[a2]), b0, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[a3]), b0, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[a4]), b0, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[a5]), b0, c5);
            a += csA;
            b += rsB;
        }
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        bool load = beta != 0;
        Store(c0, c, va, vb, load); c += ldc;
        Store(c1, c, va, vb, load); c += ldc;
        Store(c2, c, va, vb, load); c += ldc;
        Store(c3, c, va, vb, load); c += ldc;
        Store(c4, c, va, vb, load); c += ldc;
        Store(c5, c, va, vb, load);
    }

    static void Kernel6x16V256(int kc, float* a, nint rsA, nint csA, float* b, nint rsB, float* c, nint ldc, float alpha, float beta)
    {
        nint a2 = 2 * rsA, a3 = 3 * rsA, a4 = 4 * rsA, a5 = 5 * rsA;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[rsA]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[a2]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[a3]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[a4]);
            c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[a5]);
            c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
            a += csA;
            b += rsB;
        }
        var va = Vector256.Create(alpha);
        var vb = Vector256.Create(beta);
        bool load = beta != 0;
        Store(c00, c, va, vb, load); Store(c01, c + 8, va, vb, load); c += ldc;
        Store(c10, c, va, vb, load); Store(c11, c + 8, va, vb, load); c += ldc;
        Store(c20, c, va, vb, load); Store(c21, c + 8, va, vb, load); c += ldc;
        Store(c30, c, va, vb, load); Store(c31, c + 8, va, vb, load); c += ldc;
        Store(c40, c, va, vb, load); Store(c41, c + 8, va, vb, load); c += ldc;
        Store(c50, c, va, vb, load); Store(c51, c + 8, va, vb, load);
    }

    static void Kernel6x8V256(int kc, float* a, nint rsA, nint csA, float* b, nint rsB, float* c, nint ldc, float alpha, float beta)
    {
        nint a2 = 2 * rsA, a3 = 3 * rsA, a4 = 4 * rsA, a5 = 5 * rsA;
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector256.Load(b);
            c0 = Vector256.FusedMultiplyAdd(Vector256.Create(a[0]), b0, c0);
            c1 = Vector256.FusedMultiplyAdd(Vector256.Create(a[rsA]), b0, c1);
            c2 = Vector256.FusedMultiplyAdd(Vector256.Create(a[a2]), b0, c2);
            c3 = Vector256.FusedMultiplyAdd(Vector256.Create(a[a3]), b0, c3);
            c4 = Vector256.FusedMultiplyAdd(Vector256.Create(a[a4]), b0, c4);
            c5 = Vector256.FusedMultiplyAdd(Vector256.Create(a[a5]), b0, c5);
            a += csA;
            b += rsB;
        }
        var va = Vector256.Create(alpha);
        var vb = Vector256.Create(beta);
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
    static void Store(Vector512<float> acc, float* c, Vector512<float> alpha, Vector512<float> beta, bool load) =>
        Vector512.Store(load ? Vector512.FusedMultiplyAdd(Vector512.Load(c), beta, acc * alpha) : acc * alpha, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(Vector256<float> acc, float* c, Vector256<float> alpha, Vector256<float> beta, bool load) =>
        Vector256.Store(load ? Vector256.FusedMultiplyAdd(Vector256.Load(c), beta, acc * alpha) : acc * alpha, c);
}
