namespace DafL.Backends.Cpu;

internal static unsafe partial class Gemm
{
    /// <summary>
    /// Copies the mc×kc block of op(A) at <paramref name="a"/> (its element (0, 0)), times alpha, into panels of
    /// MR rows: panel p holds rows p·MR.. as dst[p·MR·kc + k·MR + r], so the micro-kernel reads MR consecutive
    /// floats per k. The last panel is padded with zero rows, which produce tile rows that are never stored.
    /// </summary>
    static void PackA(bool transA, float* a, int lda, int mc, int kc, float alpha, float* dst)
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
                    for (; r < rows; r++) d[r] = alpha * src[r];
                    for (; r < Mr; r++) d[r] = 0;
                }
            }
            else
            {
                // A is stored (M, K): read each row sequentially, write it with stride MR.
                for (int r = 0; r < rows; r++)
                {
                    float* src = a + (long)(i0 + r) * lda;
                    float* d = dst + r;
                    for (int k = 0; k < kc; k++) d[k * Mr] = alpha * src[k];
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
                // B is stored (N, K): read each column of op(B) sequentially, write it with stride w.
                for (int j = 0; j < cols; j++)
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
                // B is stored (K, N): each k contributes one contiguous run of cols floats.
                float* src = b + j0;
                for (int k = 0; k < kc; k++, src += ldb)
                {
                    var d = new Span<float>(panel + k * w, w);
                    new ReadOnlySpan<float>(src, cols).CopyTo(d);
                    d[cols..].Clear();
                }
            }
            j0 += w;
        }
    }

    /// <summary>Width of the column panel that starts with <paramref name="remaining"/> columns left: nr, or nr/2 when at most half a panel is left.</summary>
    static int PanelWidth(int remaining, int nr) => remaining > nr / 2 ? nr : nr / 2;
}
