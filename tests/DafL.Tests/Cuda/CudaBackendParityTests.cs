using DafL.Backends;
using DafL.Backends.Cuda.Memory;

namespace DafL.Tests.CudaTests;

/// <summary>
/// Every <see cref="IBackend"/> method, CUDA against the CPU reference on random inputs: bit-exact where cuda/README.md
/// says the GPU follows the CPU's order of operations (elementwise arithmetic, pooling, optimizers, uniform fills,
/// argmax, the generic sum), within 1e-5 of the largest magnitude elsewhere (transcendentals, reordered float64
/// sums), 3e-5 for cuBLAS and cuDNN. Core, elementwise and activation families here; the others in the partial files.
/// </summary>
public sealed partial class CudaBackendParityTests : CudaParityTest
{
    // ---------------------------------------------------------------- core

    [Test]
    public void AllocateGivesDeviceStorageFromTheAllocator()
    {
        long before = Gpu.Allocator.LiveBlocks;
        var storage = Gpu.Allocate(1000);
        Assert.That(storage, Is.InstanceOf<CudaStorage>());
        Assert.That((storage.Device, storage.Length), Is.EqualTo((Device.Cuda, 1000L)));
        Assert.That(Gpu.Allocator.LiveBlocks, Is.EqualTo(before + 1));
        using var t = Tensor.Empty([10, 100], Device.Cuda);
        Assert.That(t.Device, Is.EqualTo(Device.Cuda));
        storage.Release(); // as the last tensor on it would
        Assert.That(Gpu.Allocator.LiveBlocks, Is.EqualTo(before + 1), "only the tensor's block is live");
    }

    [Test]
    public void FillAndHostCopiesRoundTrip()
    {
        var data = Values(1001, 1);
        var t = Tensor.FromArray(data.AsSpan(), [7, 11, 13], Device.Cuda);
        Assert.That(t.ToArray(), Is.EqualTo(data));
        var y = Output(5, 3);
        Both((b, s) => b.Fill(s(y), -2.5f));
        Exact(y, "Fill");
        Assert.That(Tensor.Scalar(3.25f, Device.Cuda).Item(), Is.EqualTo(3.25f), "Item waits for the stream");
        Assert.That(() => Gpu.CopyFromHost(new float[3], t), Throws.ArgumentException.With.Message.Contains("CopyFromHost"));
        Assert.That(() => Gpu.CopyToHost(t, new float[3]), Throws.ArgumentException.With.Message.Contains("CopyToHost"));
    }

    [Test]
    public void CopyStridedHandlesViewsOffsetsAndContiguousCopies()
    {
        var x = Input([6, 5], 2);
        var yT = Output(5, 6);
        Both((b, s) => b.CopyStrided(s(x).T(), s(yT)));
        Exact(yT, "transposed source");

        var narrowed = new Pair(x.C.Narrow0(2, 3), x.G.Narrow0(2, 3)); // Offset 10 floats
        var yN = Output(3, 5);
        Both((b, s) => b.CopyStrided(s(narrowed), s(yN)));
        Exact(yN, "view at an offset (contiguous: device-to-device copy)");

        var dst = Output(5, 6);
        var dstT = new Pair(dst.C.T(), dst.G.T()); // (6, 5) view with strides (1, 6)
        Both((b, s) => b.CopyStrided(s(x), s(dstT)));
        Exact(dst, "transposed destination");

        var row = new Pair(x.C.MakeView([5, 3], [1, 5], 1), x.G.MakeView([5, 3], [1, 5], 1)); // columns 1..3, transposed, offset 1
        var yR = Output(5, 3);
        Both((b, s) => b.CopyStrided(s(row), s(yR)));
        Exact(yR, "strided view at an offset");
        Assert.That(() => Gpu.CopyStrided(x.G, Output(5, 5).G), Throws.ArgumentException.With.Message.Contains("CopyStrided"));
    }

    [Test]
    public void PhiloxFillsMatchTheCpu()
    {
        foreach (int n in new[] { 1, 7, 1000, 4099 })
        {
            var u = Output(n);
            var g = Output(n);
            Both((b, s) =>
            {
                b.FillUniform(s(u), 1234, 77);
                b.FillNormal(s(g), 99, 5);
            });
            Exact(u, $"FillUniform n={n} (bit-identical)");
            Close(g, $"FillNormal n={n}", 1e-6f);
        }
    }

    [Test]
    public void AddInPlaceIsExact()
    {
        var dst = Input([33, 17], 3);
        var src = Input([33, 17], 4);
        Both((b, s) => b.AddInPlace(s(dst), s(src)));
        Exact(dst, "AddInPlace");
    }

    [Test]
    public void TensorsFromElsewhereAreRefusedNamingTheOp()
    {
        using var cpu = Tensor.Zeros([4]);
        using var gpu = Tensor.Zeros([4], Device.Cuda);
        Assert.That(() => Gpu.Tanh(cpu, gpu), Throws.ArgumentException.With.Message.Contains("Tanh").And.Message.Contains("Cpu"));
        Assert.That(() => Gpu.MatMul(cpu.Reshape(2, 2), false, gpu.Reshape(2, 2), false, gpu.Reshape(2, 2), 1, 0), Throws.ArgumentException.With.Message.Contains("MatMul"));
        using var square = Tensor.Zeros([3, 3], Device.Cuda);
        using var t = square.T();
        using var out3 = Tensor.Zeros([3, 3], Device.Cuda);
        Assert.That(() => Gpu.Affine(t, out3, 1, 0), Throws.ArgumentException.With.Message.Contains("Affine").And.Message.Contains("not contiguous"));
        Gpu.Synchronize();
    }

    // ---------------------------------------------------------------- activation

    [Test]
    public void LeakyReluAndTanhForwardAndBackward()
    {
        var x = Input([1000, 3], 5, -3f, 3f);
        var gy = Input([1000, 3], 6);
        foreach (float slope in new[] { 0f, 0.2f })
        {
            var y = Output(1000, 3);
            var gx = Output(1000, 3);
            Both((b, s) =>
            {
                b.LeakyRelu(s(x), s(y), slope);
                b.LeakyReluBackward(s(x), s(gy), s(gx), slope);
            });
            Exact(y, $"LeakyRelu slope {slope}");
            Exact(gx, $"LeakyReluBackward slope {slope}");
        }
        var t = Output(1000, 3);
        Both((b, s) => b.Tanh(s(x), s(t)));
        Close(t, "Tanh");
        var yIn = Input([1000, 3], 7, -1f, 1f);
        var gt = Output(1000, 3);
        Both((b, s) => b.TanhBackward(s(yIn), s(gy), s(gt)));
        Exact(gt, "TanhBackward (one fma, as the CPU)");
    }

    // ---------------------------------------------------------------- elementwise

    static readonly int[][][] BinaryShapes =
    [
        [[4, 5, 6], [4, 5, 6]],
        [[2, 3, 4], [3, 1]],
        [[4, 1, 5], [1, 6, 1]],
        [[7, 9], []],
        [[], [3, 2]],
    ];

    [Test]
    public void BinaryOpsWithAndWithoutBroadcastingAreExact([Values] BinaryOp op)
    {
        int seed = 10;
        foreach (var shapes in BinaryShapes)
        {
            var a = Input(shapes[0], seed++);
            var b2 = Input(shapes[1], seed++);
            var y = Output(BroadcastLayout.ResultShape("test", shapes[0], shapes[1]));
            Both((b, s) => b.Binary(op, s(a), s(b2), s(y)));
            Exact(y, $"{op} {Tensor.ShapeString(shapes[0])} with {Tensor.ShapeString(shapes[1])}");
        }
    }

    [Test]
    public void UnaryOpsAndTheirBackward([Values] UnaryOp op)
    {
        bool positive = op is UnaryOp.Log or UnaryOp.Log10;
        var x = Input([3, 1111], 20, positive ? 0.01f : -4f, 4f);
        var gy = Input([3, 1111], 21);
        var y = Output(3, 1111);
        Both((b, s) => b.Unary(op, s(x), s(y)));
        if (op == UnaryOp.Abs) Exact(y, "Abs");
        else Close(y, op.ToString());

        // The backward from the same saved tensor on both sides: gy·sign(x), gy·y, gy/x, gy·(1/ln 10)/x, each exact.
        var saved = op == UnaryOp.Exp ? Input([3, 1111], 22, 0f, 3f) : x;
        var gx = Output(3, 1111);
        Both((b, s) => b.UnaryBackward(op, s(saved), s(gy), s(gx)));
        Exact(gx, $"{op} backward");
    }

    [Test]
    public void AffineIsOneFusedMultiplyAdd()
    {
        var x = Input([513], 23, -5f, 5f);
        var y = Output(513);
        Both((b, s) => b.Affine(s(x), s(y), -1.5f, 0.25f));
        Exact(y, "Affine");
        Both((b, s) => b.Affine(s(x), s(x), 3f, -1f));
        Exact(x, "Affine in place");
    }
}
