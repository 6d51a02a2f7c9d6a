using DafL.Backends.Cpu;
using DafL.Memory;

namespace DafL.Tests;

/// <summary>
/// The packed SGEMM against a naive triple loop that accumulates in float64. Tolerance: a float32 product summed
/// over K terms (plus alpha, beta and one add per K slice) carries at most (K + 3)·u·(|alpha|·Σₖ|aᵢₖ·bₖⱼ| + |beta·cᵢⱼ|)
/// rounding error, u = 2⁻²⁴ (Higham, Accuracy and Stability, §3.1); any indexing or packing mistake is O(|a·b|).
/// </summary>
public unsafe class GemmTests
{
    static readonly int[] OddM = [1, 5, 6, 7, 13, 67];
    static readonly int[] OddN = [1, 8, 15, 16, 17, 31, 32, 33, 48, 49, 67];
    static readonly int[] OddK = [1, 3, 64, 67];

    /// <summary>The kernel family under test: both run on any machine (Vector512 is emulated where not accelerated).</summary>
    static Gemm.MicroKernels Family(bool vector512) => vector512 ? Gemm.MicroKernels.Vector512Tiles : Gemm.MicroKernels.Vector256Tiles;

    [TestCase(true), TestCase(false)]
    public void OddSizesAllTransposes(bool vector512)
    {
        var kernels = Family(vector512);
        int seed = 0;
        foreach (var (transA, transB) in new[] { (false, false), (true, false), (false, true), (true, true) })
            foreach (int m in OddM)
                foreach (int n in OddN)
                    foreach (int k in OddK)
                        Check(new Case(kernels, transA, transB, m, n, k) { Seed = seed++ });
    }

    [TestCase(true), TestCase(false)]
    public void BlockBoundariesAreCrossed(bool vector512)
    {
        var kernels = Family(vector512);
        // Several Mc row blocks and Kc slices; several Nc column blocks with a ragged last one.
        Check(new Case(kernels, false, false, Gemm.Mc * 2 + 5, 20, Gemm.Kc * 2 + 3));
        Check(new Case(kernels, true, true, Gemm.Mc + 1, 45, Gemm.Kc + 1));
        Check(new Case(kernels, false, true, 7, Gemm.Nc + 37, 19));
    }

    [TestCase(true), TestCase(false)]
    public void AlphaAndBetaScaleTheResult(bool vector512)
    {
        var kernels = Family(vector512);
        foreach (var (alpha, beta) in new[] { (-0.5f, 0.75f), (2f, 1f), (1f, -1f), (0.25f, 0f) })
        {
            Check(new Case(kernels, false, true, 13, 40, 29) { Alpha = alpha, Beta = beta });
            Check(new Case(kernels, true, false, 12, 64, Gemm.Kc + 9) { Alpha = alpha, Beta = beta });
        }
    }

    [TestCase(true), TestCase(false)]
    public void LeadingDimensionsLargerThanRows(bool vector512)
    {
        var kernels = Family(vector512);
        foreach (var (transA, transB) in new[] { (false, false), (true, false), (false, true), (true, true) })
            Check(new Case(kernels, transA, transB, 11, 37, 23) { LdaPad = 5, LdbPad = 3, LdcPad = 7, Beta = 0.5f });
    }

    [Test]
    public void BetaZeroNeverReadsC()
    {
        // C starts as NaN (Check fills it so when beta is 0): a read of C would poison the result.
        Check(new Case(Gemm.MicroKernels.Vector512Tiles, false, false, 13, 50, 300) { Beta = 0f });
        Check(new Case(Gemm.MicroKernels.Vector256Tiles, true, true, 5, 9, 2) { Beta = 0f });
    }

    [Test]
    public void ParallelMatchesSerialBitForBit()
    {
        foreach (var (m, n, k) in new[] { (120, 150, 300), (20, 500, 300), (301, 33, 130) })
        {
            var serial = Check(new Case(Gemm.MicroKernels.Vector512Tiles, false, true, m, n, k) { Parallel = false, Beta = 0.5f });
            var parallel = Check(new Case(Gemm.MicroKernels.Vector512Tiles, false, true, m, n, k) { Parallel = true, Beta = 0.5f });
            Assert.That(parallel, Is.EqualTo(serial), $"{m}×{n}×{k}");
        }
    }

    [Test]
    public void PublicEntryPointMatchesReferenceOnBigProducts()
    {
        foreach (var (m, n, k) in new[] { (160, 160, 260), (40, 300, 300) })
        {
            var c = new Case(Gemm.MicroKernels.Vector512Tiles, true, false, m, n, k) { Parallel = true, Beta = 0.25f };
            Check(c, (a, lda, b, ldb, cp, ldc) => Gemm.Sgemm(c.TransA, c.TransB, m, n, k, c.Alpha, a, lda, b, ldb, c.Beta, cp, ldc, true));
        }
    }

    [Test]
    public void EmptySumScalesC()
    {
        // K = 0 and alpha = 0 both give C = beta·C; A and B are never read (here they hold NaN).
        float[] a = [float.NaN], b = [float.NaN];
        float[] c = [1f, 2f, 3f, 4f];
        fixed (float* pa = a, pb = b, pc = c)
        {
            Gemm.Sgemm(false, false, 2, 2, 0, 1f, pa, 1, pb, 2, 3f, pc, 2);
            Assert.That(c, Is.EqualTo(new[] { 3f, 6f, 9f, 12f }));
            Gemm.Sgemm(false, false, 2, 2, 1, 0f, pa, 1, pb, 2, 0f, pc, 2);
            Assert.That(c, Is.EqualTo(new[] { 0f, 0f, 0f, 0f }));
        }
    }

    [Test]
    public void HandComputedProduct()
    {
        // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]
        float[] a = [1, 2, 3, 4], b = [5, 6, 7, 8], c = new float[4];
        fixed (float* pa = a, pb = b, pc = c)
            Gemm.Sgemm(false, false, 2, 2, 2, 1f, pa, 2, pb, 2, 0f, pc, 2);
        Assert.That(c, Is.EqualTo(new[] { 19f, 22f, 43f, 50f }));
    }

    [Test]
    public void BadSizesAndStridesThrow()
    {
        float[] buffer = new float[64];
        fixed (float* p = buffer)
        {
            float* q = p;
            Assert.That(() => Gemm.Sgemm(false, false, -1, 2, 2, 1f, q, 2, q, 2, 0f, q, 2),
                Throws.ArgumentException.With.Message.Contains("Sgemm").And.Message.Contains("M=-1"));
            Assert.That(() => Gemm.Sgemm(false, false, 4, 4, 5, 1f, q, 4, q, 4, 0f, q, 4),
                Throws.ArgumentException.With.Message.Contains("lda=4"));
            Assert.That(() => Gemm.Sgemm(false, true, 4, 4, 5, 1f, q, 5, q, 4, 0f, q, 4),
                Throws.ArgumentException.With.Message.Contains("ldb=4"));
            Assert.That(() => Gemm.Sgemm(true, false, 4, 6, 5, 1f, q, 4, q, 6, 0f, q, 5),
                Throws.ArgumentException.With.Message.Contains("ldc=5"));
        }
    }

    // ---------------------------------------------------------------- harness

    sealed record Case(Gemm.MicroKernels Kernels, bool TransA, bool TransB, int M, int N, int K)
    {
        public float Alpha { get; init; } = 1.5f;
        public float Beta { get; init; } = 0.5f;
        public int LdaPad { get; init; }
        public int LdbPad { get; init; }
        public int LdcPad { get; init; }
        public bool Parallel { get; init; }
        public int Seed { get; init; }
        public override string ToString() =>
            $"{(TransA ? "Aᵀ" : "A")}·{(TransB ? "Bᵀ" : "B")} M={M} N={N} K={K} alpha={Alpha} beta={Beta} pads=({LdaPad},{LdbPad},{LdcPad}) Nr={Kernels.Nr} parallel={Parallel}";
    }

    delegate void Product(float* a, int lda, float* b, int ldb, float* c, int ldc);

    /// <summary>Runs the case through the kernel family, compares with the reference, returns C.</summary>
    static float[] Check(Case t) => Check(t, (a, lda, b, ldb, c, ldc) =>
        Gemm.Sgemm(t.Kernels, t.TransA, t.TransB, t.M, t.N, t.K, t.Alpha, a, lda, b, ldb, t.Beta, c, ldc, t.Parallel));

    static float[] Check(Case t, Product product)
    {
        var rng = new System.Random(t.Seed + 1000 * t.M + 7 * t.N + t.K);
        int aRows = t.TransA ? t.K : t.M, aCols = t.TransA ? t.M : t.K;
        int bRows = t.TransB ? t.N : t.K, bCols = t.TransB ? t.K : t.N;
        int lda = aCols + t.LdaPad, ldb = bCols + t.LdbPad, ldc = t.N + t.LdcPad;
        // Padding of A and B holds NaN (must never be read); padding of C holds a sentinel (must stay).
        var a = Random(rng, aRows, aCols, lda, float.NaN);
        var b = Random(rng, bRows, bCols, ldb, float.NaN);
        var c = Random(rng, t.M, t.N, ldc, -12345f);
        if (t.Beta == 0)
            for (int i = 0; i < t.M; i++) Array.Fill(c, float.NaN, i * ldc, t.N);
        var c0 = (float[])c.Clone();

        long liveBefore = BufferPool.LiveBuffers;
        fixed (float* pa = a, pb = b, pc = c) product(pa, lda, pb, ldb, pc, ldc);
        Assert.That(BufferPool.LiveBuffers, Is.EqualTo(liveBefore), "packing buffers returned to the pool");

        const double u = 1.0 / (1 << 24);
        for (int i = 0; i < t.M; i++)
        {
            for (int j = 0; j < t.N; j++)
            {
                double sum = 0, magnitude = 0;
                for (int k = 0; k < t.K; k++)
                {
                    double x = t.TransA ? a[k * lda + i] : a[i * lda + k];
                    double y = t.TransB ? b[j * ldb + k] : b[k * ldb + j];
                    sum += x * y;
                    magnitude += Math.Abs(x * y);
                }
                double expected = t.Alpha * sum, scale = Math.Abs(t.Alpha) * magnitude;
                if (t.Beta != 0)
                {
                    expected += t.Beta * (double)c0[i * ldc + j];
                    scale += Math.Abs(t.Beta * (double)c0[i * ldc + j]);
                }
                double tolerance = (t.K + 3) * u * scale + 1e-30;
                float got = c[i * ldc + j];
                if (!(Math.Abs(got - expected) <= tolerance))
                    Assert.Fail($"{t}: C[{i},{j}] = {got}, expected {expected} ± {tolerance:G3}");
            }
            for (int j = t.N; j < ldc && i * ldc + j < c.Length; j++)
                if (c[i * ldc + j] != -12345f) Assert.Fail($"{t}: padding C[{i},{j}] was overwritten");
        }
        var result = new float[t.M * t.N];
        for (int i = 0; i < t.M; i++) Array.Copy(c, i * ldc, result, i * t.N, t.N);
        return result;
    }

    /// <summary>rows × cols values in [-1, 1) stored with row stride ld; the ld − cols padding holds <paramref name="pad"/>.</summary>
    static float[] Random(System.Random rng, int rows, int cols, int ld, float pad)
    {
        var data = new float[Math.Max(1, rows * ld)];
        Array.Fill(data, pad);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) data[i * ld + j] = (float)(rng.NextDouble() * 2 - 1);
        return data;
    }
}
