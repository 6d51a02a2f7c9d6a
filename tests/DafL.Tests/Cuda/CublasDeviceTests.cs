using DafL.Tests.Support;
using DafL.Native;

namespace DafL.Tests.Native;

/// <summary>cuBLAS on a real device, against a plain triple loop.</summary>
public class CublasDeviceTests : DeviceTestBase
{
    CublasHandle CreateHandle()
    {
        Skip.Unless(Cublas.IsAvailable, $"cuBLAS is not available: {Cublas.UnavailableReason}");
        return CublasHandle.Create(Context);
    }

    /// <summary>Row-major op(X)·op(Y) for X stored m×k (k×m transposed) and Y stored k×n (n×k transposed).</summary>
    static float[] Reference(float[] x, float[] y, bool tx, bool ty, int m, int n, int k)
    {
        var c = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++) sum += (double)(tx ? x[p * m + i] : x[i * k + p]) * (ty ? y[j * k + p] : y[p * n + j]);
                c[i * n + j] = (float)sum;
            }
        return c;
    }

    [Test]
    public void VersionIsReported()
    {
        using var handle = CreateHandle();
        TestContext.Out.WriteLine($"cuBLAS {handle.Version}");
        Assert.That(handle.Version, Is.GreaterThanOrEqualTo(110000));
    }

    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public void RowMajorMatMulMatchesTheDefinition(bool tx, bool ty)
    {
        using var handle = CreateHandle();
        const int m = 37, n = 19, k = 53;
        float[] x = RandomValues(m * k, 1), y = RandomValues(k * n, 2), c0 = RandomValues(m * n, 3);
        var c = Upload(c0);

        handle.MatMulRowMajor(tx, ty, m, n, k, 1.5f, Upload(x), Upload(y), 0.5f, c);

        float[] product = Reference(x, y, tx, ty, m, n, k);
        AssertClose(Download(c, m * n), product.Select((v, i) => 1.5f * v + 0.5f * c0[i]).ToArray(), 1e-5f, "C");
    }

    [Test]
    public void AnAlignedWorkspaceIsTakenAndAMisalignedOneRefused()
    {
        using var handle = CreateHandle();
        var workspace = Allocate(1 << 16);
        handle.SetWorkspace(workspace, 1 << 18);
        const int m = 9, n = 7, k = 5;
        float[] x = RandomValues(m * k, 21), y = RandomValues(k * n, 22);
        var c = Allocate(m * n);
        handle.MatMulRowMajor(false, false, m, n, k, 1f, Upload(x), Upload(y), 0f, c);
        AssertClose(Download(c, m * n), Reference(x, y, false, false, m, n, k), 1e-5f, "C with a user workspace");
        // cublasSetWorkspace: "the workspace pointer must be aligned to at least 256 bytes".
        Assert.That(() => handle.SetWorkspace(workspace.Offset(4), 1 << 17), Throws.TypeOf<CudaException>().With.Message.Contains("CUBLAS_STATUS_INVALID_VALUE"));
    }

    [Test]
    public void BatchedRowMajorMatMulMatchesTheDefinition()
    {
        using var handle = CreateHandle();
        const int batch = 3, m = 8, n = 5, k = 7;
        float[] x = RandomValues(batch * m * k, 4), y = RandomValues(batch * k * n, 5);
        var c = Allocate(batch * m * n);
        using var stream = CudaStream.Create(Context);
        handle.SetStream(stream);

        handle.MatMulRowMajorBatched(false, true, m, n, k, 1f, Upload(x), m * k, Upload(y), k * n, 0f, c, m * n, batch);
        stream.Synchronize();

        var all = Download(c, batch * m * n);
        for (int b = 0; b < batch; b++)
            AssertClose(all[(b * m * n)..((b + 1) * m * n)],
                Reference(x[(b * m * k)..((b + 1) * m * k)], y[(b * k * n)..((b + 1) * k * n)], false, true, m, n, k), 1e-5f, $"C[{b}]");
    }

    [Test]
    public void Tf32ModeIsCloseButNotExact()
    {
        using var handle = CreateHandle();
        handle.SetMathMode(CublasMathMode.Tf32TensorOp);
        const int m = 64, n = 64, k = 256;
        float[] x = RandomValues(m * k, 6), y = RandomValues(k * n, 7);
        var c = Allocate(m * n);
        handle.MatMulRowMajor(false, false, m, n, k, 1f, Upload(x), Upload(y), 0f, c);
        AssertClose(Download(c, m * n), Reference(x, y, false, false, m, n, k), 1e-2f, "C (TF32)");
    }

    [Test]
    public void InvalidArgumentsAreNamed()
    {
        using var handle = CreateHandle();
        var a = Allocate(16);
        var e = Assert.Throws<CudaException>(() =>
            handle.Sgemm(CublasOperation.None, CublasOperation.None, 4, 4, 4, 1f, a, lda: 1, a, 4, 0f, a, 4))!;
        Assert.That(e.StatusName, Is.EqualTo("CUBLAS_STATUS_INVALID_VALUE"));
        Assert.That(e.Message, Does.Contain("cublasSgemm_v2").And.Contain("(7)"));
    }
}
