using DafL.Backends.Cuda;
using DafL.Backends;

namespace DafL.Tests.CudaTests;

/// <summary>Bad arguments to the CUDA backend: each is refused with an ArgumentException naming the op, before anything runs.</summary>
public sealed class CudaBackendArgumentTests : CudaBackendTest
{
    [Test]
    public void HostCopiesOfTheWrongLengthAreRefused()
    {
        using var t = Tensor.Zeros([7, 11], Device.Cuda);
        Assert.That(() => Gpu.CopyFromHost(new float[3], t), Throws.ArgumentException.With.Message.Contains("CopyFromHost"));
        Assert.That(() => Gpu.CopyToHost(t, new float[3]), Throws.ArgumentException.With.Message.Contains("CopyToHost"));
    }

    [Test]
    public void AStridedCopyBetweenShapesIsRefused()
    {
        using var x = Tensor.Zeros([6, 5], Device.Cuda);
        using var y = Tensor.Zeros([5, 5], Device.Cuda);
        Assert.That(() => Gpu.CopyStrided(x, y), Throws.ArgumentException.With.Message.Contains("CopyStrided"));
    }

    [Test]
    public void TensorsFromElsewhereAndViewsAreRefusedNamingTheOp()
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

    [Test]
    public void AMatrixProductOfMismatchedShapesIsRefused()
    {
        using var a = Tensor.Zeros([4, 0], Device.Cuda);
        using var b = Tensor.Zeros([4, 3], Device.Cuda);
        using var c = Tensor.Zeros([4, 3], Device.Cuda);
        Assert.That(() => Gpu.MatMul(a, false, b, false, c, 1, 0), Throws.ArgumentException.With.Message.Contains("MatMul"));
    }

    [Test]
    public void BatchNormRefusesANegativeEpsilon()
    {
        using var x = Tensor.Zeros([2, 2, 2, 2], Device.Cuda);
        using var stats = Tensor.Zeros([2], Device.Cuda);
        Assert.That(() => Gpu.BatchNormForwardInference(x, stats, stats, null, null, -1f, x),
            Throws.ArgumentException.With.Message.Contains("BatchNormForwardInference").And.Message.Contains("CUDNN_BN_MIN_EPSILON"));
    }

    [Test]
    public void ACrossEntropyTargetOutsideTheClassesGetsTheCpusMessage()
    {
        var targets = Enumerable.Range(0, 37).Select(i => (float)(i % 10)).ToArray();
        targets[12] = 10f;
        using var logits = Tensor.Zeros([37, 10]);
        using var badTargets = Tensor.FromArray(targets, 37);
        using var loss = Tensor.Zeros([]);
        string cpuMessage = Assert.Throws<ArgumentException>(() => Backend.Cpu.CrossEntropy(logits, badTargets, loss))!.Message;
        using var gpuLogits = logits.To(Device.Cuda);
        using var gpuTargets = badTargets.To(Device.Cuda);
        using var gpuLoss = loss.To(Device.Cuda);
        Assert.That(() => Gpu.CrossEntropy(gpuLogits, gpuTargets, gpuLoss), Throws.ArgumentException.With.Message.EqualTo(cpuMessage));
    }
}
