using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DafL.Backends.Cpu;

static unsafe partial class Gemm
{
    /// <summary>
    /// Copies the mc×kc block of op(A) at <paramref name="a"/> (its element (0, 0)) into panels of MR rows:
    /// panel p holds rows p·MR.. as dst[p·MR·kc + k·MR + r], so the micro-kernel reads MR consecutive floats per k.
    /// The last panel is padded with zero rows, which produce tile rows that are never stored.
    /// <paramref name="dst"/> needs <see cref="PackSlack"/> floats of room after the last panel.
    /// </summary>
    static void PackA(bool transA, float* a, int lda, int mc, int kc, float* dst)
    {
        for (int i0 = 0; i0 < mc; i0 += Mr, dst += Mr * kc)
        {
            int rows = Math.Min(Mr, mc - i0);
            if (transA)
            {
                // A is stored (K, M): the MR values of one k are adjacent in memory.
                float* src = a + i0;
                for (int k = 0; k < kc; k++, src += lda)
                {
                    float* d = dst + k * Mr;
                    int r = 0;
                    for (; r < rows; r++) d[r] = src[r];
                    for (; r < Mr; r++) d[r] = 0;
                }
            }
            else
            {
                // A is stored (M, K): a full panel is transposed 8 k at a time (rows 6 and 7 of the 8×8 block repeat
                // row 5; each 8-float store's last two floats are overwritten by the next k's store).
                int k0 = 0;
                if (Avx.IsSupported && rows == Mr)
                    for (; k0 + 8 <= kc; k0 += 8) Transpose8x8(a + (long)i0 * lda + k0, lda, Mr, dst + k0 * Mr, Mr);
                // The rest (or everything): read each row sequentially, write it with stride MR.
                for (int r = 0; r < rows; r++)
                {
                    float* src = a + (long)(i0 + r) * lda;
                    float* d = dst + r;
                    for (int k = k0; k < kc; k++) d[k * Mr] = src[k];
                }
                for (int r = rows; r < Mr; r++)
                    for (int k = 0; k < kc; k++) dst[k * Mr + r] = 0;
            }
        }
    }

    /// <summary>
    /// Copies the kc×nc block of op(B) at <paramref name="b"/> (its element (0, 0)) into column panels: full panels
    /// of <paramref name="nr"/> columns, and a last panel of nr or nr/2 columns (<see cref="PanelWidth"/>), each
    /// stored as dst[k·width + j] and zero-padded on the right. A panel of width w starts at dst + j0·kc.
    /// </summary>
    static void PackB(bool transB, float* b, int ldb, int kc, int nc, int nr, float* dst)
    {
        for (int j0 = 0; j0 < nc;)
        {
            int w = PanelWidth(nc - j0, nr);
            int cols = Math.Min(w, nc - j0);
            float* panel = dst + (long)j0 * kc;
            if (transB)
            {
                // B is stored (N, K): 8×8 blocks are transposed in registers; the rest is read one column of op(B)
                // at a time and written with stride w.
                int j8 = 0;
                if (Avx.IsSupported)
                    for (; j8 + 8 <= cols; j8 += 8)
                    {
                        float* src = b + (long)(j0 + j8) * ldb;
                        int k = 0;
                        for (; k + 8 <= kc; k += 8) Transpose8x8(src + k, ldb, 8, panel + k * w + j8, w);
                        for (; k < kc; k++)
                            for (int j = 0; j < 8; j++) panel[k * w + j8 + j] = src[(long)j * ldb + k];
                    }
                for (int j = j8; j < cols; j++)
                {
                    float* src = b + (long)(j0 + j) * ldb;
                    float* d = panel + j;
                    for (int k = 0; k < kc; k++) d[k * w] = src[k];
                }
                for (int j = cols; j < w; j++)
                    for (int k = 0; k < kc; k++) panel[k * w + j] = 0;
            }
            else
            {
                // B is stored (K, N): each k contributes one contiguous run of cols floats, copied 8 at a time
                // (panel widths are multiples of 8) without a call per run.
                float* src = b + j0;
                for (int k = 0; k < kc; k++, src += ldb)
                {
                    float* d = panel + k * w;
                    int j = 0;
                    for (; j + 8 <= cols; j += 8) Vector256.Store(Vector256.Load(src + j), d + j);
                    for (; j < cols; j++) d[j] = src[j];
                    for (; j < w; j++) d[j] = 0;
                }
            }
            j0 += w;
        }
    }

    /// <summary>Floats that <see cref="PackA"/> may write past its last panel (the surplus of an overlapping store).</summary>
    internal const int PackSlack = 8;

    /// <summary>
    /// dst[c·ldd + r] = src[r·lds + c] for an 8×8 block (8 columns of src become 8 rows of dst). Rows at or past
    /// <paramref name="rows"/> repeat row rows − 1 (so a 6-row panel reads nothing beyond its rows). Stores are
    /// 8 floats each, in increasing c: with ldd &lt; 8 each store's surplus lands where the next one writes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8x8(float* src, nint lds, int rows, float* dst, nint ldd)
    {
        nint last = (rows - 1) * lds;
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + lds);
        var r2 = Avx.LoadVector256(src + 2 * lds);
        var r3 = Avx.LoadVector256(src + 3 * lds);
        var r4 = Avx.LoadVector256(src + 4 * lds);
        var r5 = Avx.LoadVector256(src + 5 * lds);
        var r6 = Avx.LoadVector256(src + Math.Min(6 * lds, last));
        var r7 = Avx.LoadVector256(src + Math.Min(7 * lds, last));
        // Interleave pairs of rows, then pairs of pairs: s0 = [a00 a10 a20 a30 | a04 a14 a24 a34], and so on.
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44); var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44); var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44); var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44); var s7 = Avx.Shuffle(t5, t7, 0xEE);
        // Join the 128-bit halves: column c is (low or high half of s[c mod 4]) next to the same half of s[c mod 4 + 4].
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * ldd, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * ldd, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * ldd, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * ldd, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * ldd, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * ldd, Avx.Permute2x128(s3, s7, 0x31));
    }

    /// <summary>Width of the column panel that starts with <paramref name="remaining"/> columns left: nr, or nr/2 when at most half a panel is left.</summary>
    static int PanelWidth(int remaining, int nr) => remaining > nr / 2 ? nr : nr / 2;
}
