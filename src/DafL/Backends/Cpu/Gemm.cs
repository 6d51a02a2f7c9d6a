using DafL.Memory;

namespace DafL.Backends.Cpu;

/// <summary>
/// Single-precision matrix product on the CPU, row-major:
/// C[M×N] = alpha · op(A)[M×K] · op(B)[K×N] + beta · C, where op(X) is X or Xᵀ.
/// lda/ldb/ldc are the row strides of A, B and C as stored (before the transpose).
/// When beta is 0, C is not read (it may hold garbage or NaN).
/// <para>
/// The BLIS scheme: for each Nc-wide column block of C and each Kc-deep slice of K, op(B) is packed into column
/// panels (Gemm.Packing.cs); for each Mc-tall row block, op(A) is packed into row panels of MR rows; then a
/// register-blocked micro-kernel (Gemm.Kernels.cs) computes each MR×NR tile of C over the slice and stores
/// alpha·tile (+ beta·C). One B panel (Kc × NR) is reused by every A panel of the block, so it stays in L1; the
/// packed A block (Mc × Kc) stays in L2; the packed B block (Kc × Nc) in L3. Transposes cost nothing beyond the
/// packing. A panel that few others reuse (skinny and short products) is read where it lies instead of packed.
/// With <c>parallel</c>, a large product is cut into one band of C per core.
/// </para>
/// Public (the product and its thread count only): the benchmarks time the CPU backend's matrix product directly.
/// </summary>
public static unsafe partial class Gemm
{
    /// <summary>Rows of a micro-tile (both kernel families).</summary>
    internal const int Mr = 6;
    /// <summary>Depth of a K slice: a 6×32 kernel then reads a 32 KiB B panel (L1 is 48 KiB) and a 6 KiB A panel.</summary>
    internal const int Kc = 256;
    /// <summary>Rows of a packed A block: 144 × 256 floats = 144 KiB, well inside the 1 MiB L2 next to the B panels streaming by.</summary>
    internal const int Mc = 144;
    /// <summary>Columns of a packed B block: 256 × 2048 floats = 2 MiB, in L3.</summary>
    internal const int Nc = 2048;
    /// <summary>
    /// A panel used this many times or fewer is read where it lies instead of packed: packing costs about as much
    /// as the products it would speed up.
    /// </summary>
    internal const int InPlaceMaxReuse = 4;
    /// <summary>Below this many multiply-adds a product runs on the calling thread: splitting costs more than it saves.</summary>
    const long ParallelMinMacs = 1 << 20;

    public static void Sgemm(bool transA, bool transB, int M, int N, int K, float alpha,
        float* A, int lda, float* B, int ldb, float beta, float* C, int ldc, bool parallel = true) =>
        Sgemm(MicroKernels.Native, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, parallel);

    /// <summary>The product with an explicit kernel family (tests run both on any machine).</summary>
    internal static void Sgemm(MicroKernels kernels, bool transA, bool transB, int M, int N, int K, float alpha,
        float* A, int lda, float* B, int ldb, float beta, float* C, int ldc, bool parallel)
    {
        CheckArguments(transA, transB, M, N, K, lda, ldb, ldc);
        if (M == 0 || N == 0) return;
        if (K == 0 || alpha == 0)
        {
            ScaleC(M, N, beta, C, ldc);
            return;
        }
        int threads = parallel ? ThreadsFor(M, N, K, kernels.Nr) : 1;
        if (threads == 1)
        {
            Blocked(kernels, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
            return;
        }
        // Each thread computes its own band of C from start to end (packing its own panels), so threads never
        // wait for each other; the band runs along the longer side, which keeps the duplicated packing small.
        bool splitRows = (M + Mr - 1) / Mr >= (N + kernels.Nr - 1) / kernels.Nr;
        int step = splitRows ? Mr : kernels.Nr;
        int extent = splitRows ? M : N;
        int band = ((extent + threads - 1) / threads + step - 1) / step * step;
        Parallel.For(0, threads, t =>
        {
            int from = t * band, count = Math.Min(band, extent - from);
            if (count <= 0) return;
            if (splitRows)
                Blocked(kernels, transA, transB, count, N, K, alpha, transA ? A + from : A + (long)from * lda, lda,
                    B, ldb, beta, C + (long)from * ldc, ldc);
            else
                Blocked(kernels, transA, transB, M, count, K, alpha, A, lda,
                    transB ? B + (long)from * ldb : B + from, ldb, beta, C + from, ldc);
        });
    }

    /// <summary>Threads a parallel <see cref="Sgemm(bool, bool, int, int, int, float, float*, int, float*, int, float, float*, int, bool)"/> of this size runs on, with this machine's kernels.</summary>
    public static int ThreadsFor(int M, int N, int K) => ThreadsFor(M, N, K, MicroKernels.Native.Nr);

    /// <summary>Threads a parallel product of this size runs on (1 when it is too small to split).</summary>
    internal static int ThreadsFor(int M, int N, int K, int nr)
    {
        if ((long)M * N * K < ParallelMinMacs) return 1;
        int tiles = Math.Max((M + Mr - 1) / Mr, (N + nr - 1) / nr);
        return Math.Clamp(tiles, 1, Environment.ProcessorCount);
    }

    /// <summary>The blocked product on the calling thread.</summary>
    static void Blocked(MicroKernels kernels, bool transA, bool transB, int M, int N, int K, float alpha,
        float* A, int lda, float* B, int ldb, float beta, float* C, int ldc)
    {
        int nr = kernels.Nr;
        // Blocks of equal size rather than full blocks and a thin remainder: K = 576 runs as 3 slices of 192, not
        // 256 + 256 + 64 (a thin slice pays the full cost of loading and storing C for little work).
        int kcStep = Balanced(K, Kc, 1), mcStep = Balanced(M, Mc, Mr), ncStep = Balanced(N, Nc, nr);
        float* packedA = BufferPool.Rent((long)RoundUp(mcStep, Mr) * kcStep + PackSlack, out long aCapacity);
        float* packedB = BufferPool.Rent((long)RoundUp(ncStep, nr) * kcStep, out long bCapacity);
        // op(A)'s strides as stored: element (i, k) is at A[i·rowStride + k·colStride].
        nint aRowStride = transA ? 1 : lda, aColStride = transA ? lda : 1;
        // An edge tile (fewer than MR rows or fewer columns than its panel) is computed here, then merged into C.
        float* edge = stackalloc float[Mr * 32];
        try
        {
            for (int jc = 0; jc < N; jc += ncStep)
            {
                int nc = Math.Min(ncStep, N - jc);
                // An A panel serves every B panel of the block and vice versa. For a narrow C (a linear layer's 10, 84
                // or 120 outputs) the kernel reads the full MR-row panels of A where they lie; for a C of at most Mc
                // rows (a convolution's output channels) it reads the full column panels of a row-major B where they
                // lie. Ragged last panels are always packed: rows or columns past the matrix must not be read.
                bool packAllA = (nc + nr - 1) / nr > InPlaceMaxReuse;
                bool packAllB = transB || !ReadBInPlace((M + Mr - 1) / Mr, ldb);
                for (int pc = 0; pc < K; pc += kcStep)
                {
                    int kc = Math.Min(kcStep, K - pc);
                    float* bSlice = transB ? B + (long)jc * ldb + pc : B + (long)pc * ldb + jc;
                    int bPackedFrom = packAllB ? 0 : nc / nr * nr;
                    if (bPackedFrom < nc)
                        PackB(transB, bSlice + (transB ? (long)bPackedFrom * ldb : bPackedFrom), ldb, kc, nc - bPackedFrom, nr, packedB + (long)bPackedFrom * kc);
                    // The first K slice applies beta; later slices add onto what the earlier ones stored.
                    float sliceBeta = pc == 0 ? beta : 1f;
                    for (int ic = 0; ic < M; ic += mcStep)
                    {
                        int mc = Math.Min(mcStep, M - ic);
                        float* aBlock = A + (ic * aRowStride + pc * aColStride);
                        int aPackedFrom = packAllA ? 0 : mc / Mr * Mr;
                        if (aPackedFrom < mc)
                            PackA(transA, aBlock + aPackedFrom * aRowStride, lda, mc - aPackedFrom, kc, packedA + (long)aPackedFrom * kc);
                        for (int jr = 0; jr < nc;)
                        {
                            int w = PanelWidth(nc - jr, nr);
                            int cols = Math.Min(w, nc - jr);
                            var kernel = w == nr ? kernels.Wide : kernels.Narrow;
                            bool bPacked = jr >= bPackedFrom;
                            float* bPanel = bPacked ? packedB + (long)jr * kc : bSlice + jr;
                            nint bs = bPacked ? w : ldb;
                            for (int ir = 0; ir < mc; ir += Mr)
                            {
                                int rows = Math.Min(Mr, mc - ir);
                                bool aPacked = ir >= aPackedFrom;
                                float* aPanel = aPacked ? packedA + (long)ir * kc : aBlock + ir * aRowStride;
                                nint rs = aPacked ? 1 : aRowStride, cs = aPacked ? Mr : aColStride;
                                float* c = C + (long)(ic + ir) * ldc + jc + jr;
                                if (rows == Mr && cols == w) kernel(kc, aPanel, rs, cs, bPanel, bs, c, ldc, alpha, sliceBeta);
                                else
                                {
                                    kernel(kc, aPanel, rs, cs, bPanel, bs, edge, w, alpha, 0f);
                                    MergeEdge(edge, w, rows, cols, c, ldc, sliceBeta);
                                }
                            }
                            jr += w;
                        }
                    }
                }
            }
        }
        finally
        {
            BufferPool.Return(packedA, aCapacity);
            BufferPool.Return(packedB, bCapacity);
        }
    }

    /// <summary>C[rows×cols] = tile (+ beta·C when beta ≠ 0).</summary>
    static void MergeEdge(float* tile, int ldt, int rows, int cols, float* c, int ldc, float beta)
    {
        for (int r = 0; r < rows; r++, tile += ldt, c += ldc)
        {
            if (beta == 0)
                for (int j = 0; j < cols; j++) c[j] = tile[j];
            else
                for (int j = 0; j < cols; j++) c[j] = MathF.FusedMultiplyAdd(beta, c[j], tile[j]);
        }
    }

    /// <summary>C = beta·C, for an empty sum (K = 0 or alpha = 0); C is only written when beta is 0.</summary>
    static void ScaleC(int M, int N, float beta, float* C, int ldc)
    {
        for (int i = 0; i < M; i++)
        {
            var row = new Span<float>(C + (long)i * ldc, N);
            if (beta == 0) row.Clear();
            else if (beta != 1)
                for (int j = 0; j < N; j++) row[j] *= beta;
        }
    }

    static void CheckArguments(bool transA, bool transB, int M, int N, int K, int lda, int ldb, int ldc)
    {
        if (M < 0 || N < 0 || K < 0)
            throw new ArgumentException($"Sgemm: negative size M={M}, N={N}, K={K}.");
        int minLda = Math.Max(1, transA ? M : K), minLdb = Math.Max(1, transB ? K : N), minLdc = Math.Max(1, N);
        if (lda < minLda || ldb < minLdb || ldc < minLdc)
            throw new ArgumentException(
                $"Sgemm: leading dimensions lda={lda}, ldb={ldb}, ldc={ldc} are below the row lengths {minLda}, {minLdb}, {minLdc} " +
                $"(transA={transA}, transB={transB}, M={M}, N={N}, K={K}).");
    }

    /// <summary>
    /// Whether the kernel should read a row-major B in place when <paramref name="rowPanels"/> row panels of A use
    /// each B panel. Up to <see cref="InPlaceMaxReuse"/> always: packing would cost as much as the products. Up to
    /// Mc rows when the rows of B do not alias in the caches: a B panel is then re-read from L1/L2 as cheaply as a
    /// packed one, and a convolution's im2col matrix (K × H·W, used by 64–128 output channels) is not copied. A row
    /// stride of a multiple of 2 KiB puts a panel's Kc rows into a few cache sets (1024 floats: 16 of the L2's 1024
    /// sets for 2·Kc lines), and the re-reads then miss.
    /// </summary>
    static bool ReadBInPlace(int rowPanels, int ldb) =>
        rowPanels <= InPlaceMaxReuse || (rowPanels <= Mc / Mr && ldb % 512 != 0);

    internal static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>Step that cuts <paramref name="extent"/> into as few blocks of at most <paramref name="limit"/> as possible, all of about equal size (a multiple of <paramref name="multiple"/>).</summary>
    static int Balanced(int extent, int limit, int multiple)
    {
        int blocks = (extent + limit - 1) / limit;
        return Math.Min(limit, RoundUp((extent + blocks - 1) / blocks, multiple));
    }
}
