using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DafL.Native;

namespace DafL.Tests.Native;

/// <summary>What can be checked of the bindings without a GPU: struct layouts and the row-major GEMM mapping.</summary>
public class BindingLayoutTests
{
    [Test]
    public void ConvolutionAlgorithmPerformanceHasCudnnsLayout()
    {
        Assert.That(Marshal.SizeOf<ConvolutionAlgorithmPerformance>(), Is.EqualTo(48));
        Assert.That(Unsafe.SizeOf<ConvolutionAlgorithmPerformance>(), Is.EqualTo(48), "arrays of it are passed as they are in memory");
        Assert.That(Marshal.OffsetOf<ConvolutionAlgorithmPerformance>(nameof(ConvolutionAlgorithmPerformance.Algorithm)), Is.EqualTo((nint)0));
        Assert.That(Marshal.OffsetOf<ConvolutionAlgorithmPerformance>(nameof(ConvolutionAlgorithmPerformance.Status)), Is.EqualTo((nint)4));
        Assert.That(Marshal.OffsetOf<ConvolutionAlgorithmPerformance>(nameof(ConvolutionAlgorithmPerformance.Time)), Is.EqualTo((nint)8));
        Assert.That(Marshal.OffsetOf<ConvolutionAlgorithmPerformance>(nameof(ConvolutionAlgorithmPerformance.Memory)), Is.EqualTo((nint)16));
        Assert.That(Marshal.OffsetOf<ConvolutionAlgorithmPerformance>(nameof(ConvolutionAlgorithmPerformance.Determinism)), Is.EqualTo((nint)24));
        Assert.That(Marshal.OffsetOf<ConvolutionAlgorithmPerformance>(nameof(ConvolutionAlgorithmPerformance.MathType)), Is.EqualTo((nint)28));
    }

    /// <summary>
    /// The column-major call the row-major helper makes, run through a plain column-major GEMM with cuBLAS's
    /// semantics, gives the row-major product, for every combination of transposes and a non-square shape.
    /// </summary>
    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public void RowMajorProductThroughAColumnMajorGemm(bool transposeX, bool transposeY)
    {
        const int m = 3, n = 5, k = 4;
        var rng = new System.Random(7);
        float[] x = Enumerable.Range(0, m * k).Select(_ => (float)rng.Next(-9, 10)).ToArray(); // stored m×k, or k×m when transposed
        float[] y = Enumerable.Range(0, k * n).Select(_ => (float)rng.Next(-9, 10)).ToArray(); // stored k×n, or n×k when transposed
        float X(int i, int p) => transposeX ? x[p * m + i] : x[i * k + p];
        float Y(int p, int j) => transposeY ? y[j * k + p] : y[p * n + j];

        var g = ColumnMajorGemm.ForRowMajor(transposeX, transposeY, m, n, k);
        var c = new float[m * n];
        ColumnMajorSgemm(g, a: y, b: x, c);

        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float expected = 0;
                for (int p = 0; p < k; p++) expected += X(i, p) * Y(p, j);
                Assert.That(c[i * n + j], Is.EqualTo(expected), $"C[{i},{j}]");
            }
    }

    [Test]
    public void RowMajorGemmRejectsEmptyShapes() =>
        Assert.That(() => ColumnMajorGemm.ForRowMajor(false, false, 0, 2, 3), Throws.ArgumentException.With.Message.Contains("m = 0"));

    /// <summary>cublasSgemm's definition: C = op(A)·op(B), column-major, element (r, c) of a matrix at r + c·ld.</summary>
    static void ColumnMajorSgemm(ColumnMajorGemm g, float[] a, float[] b, float[] c)
    {
        float A(int r, int col) => g.TransA == CublasOperation.None ? a[r + col * g.Lda] : a[col + r * g.Lda];
        float B(int r, int col) => g.TransB == CublasOperation.None ? b[r + col * g.Ldb] : b[col + r * g.Ldb];
        for (int r = 0; r < g.M; r++)
            for (int col = 0; col < g.N; col++)
            {
                float sum = 0;
                for (int p = 0; p < g.K; p++) sum += A(r, p) * B(p, col);
                c[r + col * g.Ldc] = sum;
            }
    }
}
