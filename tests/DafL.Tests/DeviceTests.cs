using DafL.Backends.Cpu;
using DafL.Backends.Conformance;
using DafL.Backends.Cuda;
using DafL.Backends.Dispatch;
using DafL.NN;
using DafL.Ops;
using DafL.Optim;
using DafL.Random;
using DafL.Tests.CudaTests;
using DafL.Tests.Support;
using DafL.Training;
using static DafL.Ops.Functional;

namespace DafL.Tests;

/// <summary>
/// Tensors and modules on the CUDA device, run by the real <see cref="Backends.Cuda.CudaBackend"/> (on the mock GPU
/// in CI): host access to device memory is refused, ops refuse mixed devices, <see cref="Module.To"/> moves state
/// in place, and a moved model computes what the CPU does within the parity tolerances.
/// </summary>
public class DeviceTests : CudaBackendTest
{
    static Tensor Cpu(params int[] shape) => Tensor.Randn(shape, new Philox(5));
    static Tensor Cuda(params int[] shape) => Tensor.Randn(shape, new Philox(5), Device.Cuda);

    [Test]
    public unsafe void ACudaTensorKeepsItsValuesButOffersNoHostMemory()
    {
        using var c = Cpu(3, 4);
        using var g = c.To(Device.Cuda);
        Assert.That(g.Device, Is.EqualTo(Device.Cuda));
        Assert.That(g.Storage, Is.InstanceOf<Backends.Cuda.Memory.CudaStorage>(), "device memory of the CUDA backend");
        Assert.That(g.ToArray(), Is.EqualTo(c.ToArray()), "a copy to the device and back is exact");
        Assert.That(() => _ = g.Span.Length, Throws.InvalidOperationException.With.Message.Contain("Cuda"));
        Assert.That(() => _ = (nint)g.Ptr, Throws.InvalidOperationException.With.Message.Contain("Cuda"));
        using var back = g.To(Device.Cpu);
        Assert.That(back.Device, Is.EqualTo(Device.Cpu));
        Assert.That(back.ToArray(), Is.EqualTo(c.ToArray()));
    }

    [Test]
    public void RandnOnCudaDrawsTheCpusNumbers()
    {
        using var c = Cpu(64, 100);
        using var g = Cuda(64, 100);
        // The same Philox counters on both devices; Box-Muller's logf, sinf and cosf may differ in the last bit.
        AssertClose(g.ToArray(), c.ToArray(), (float)ParityTolerance.Elementwise.Relative, "Randn");
    }

    [Test]
    public void OpsOnCudaTensorsRunOnTheCudaBackend()
    {
        using var scope = TensorScope.Begin();
        var (a, b) = (Cuda(2, 3), Cuda(3, 4));
        Tensor y;
        using (var profile = KernelProfile.Start())
        {
            y = Relu(Matmul(a, b));
            Assert.That(profile.Timings.Select(t => (t.Backend, t.Kernel)), Is.SupersetOf(new[] { ("cuda", "MatMul"), ("cuda", "LeakyRelu") }));
            Assert.That(profile.Timings.Select(t => t.Backend), Is.All.EqualTo("cuda"), "nothing ran on the CPU");
        }
        Assert.That(y.Device, Is.EqualTo(Device.Cuda));
        var expected = Relu(Matmul(Cpu(2, 3), Cpu(3, 4)));
        AssertClose(y.ToArray(), expected.ToArray(), (float)ParityTolerance.Matrix(tf32: false).Relative, "relu(a·b)");
    }

    [Test]
    public void TheCudaBackendRefusesAHostTensor()
    {
        using var host = Cpu(2, 3);
        var e = Assert.Throws<ArgumentException>(() => Gpu.Fill(host, 1f))!;
        Assert.That(e.Message, Does.Contain("Fill").And.Contain("Cpu").And.Contain("Cuda"));
    }

    static IEnumerable<TestCaseData> MixedDeviceOps()
    {
        yield return Case("add", () => Add(Cpu(2, 3), Cuda(2, 3)));
        yield return Case("mul", () => Mul(Cuda(2, 3), Cpu(3)));
        yield return Case("matmul", () => Matmul(Cpu(2, 3), Cuda(3, 4)));
        yield return Case("linear", () => Linear(Cuda(2, 3), Cuda(4, 3), Cpu(4)));
        yield return Case("conv2d", () => Conv2d(Cpu(1, 2, 5, 5), Cuda(3, 2, 3, 3)));
        yield return Case("BatchNorm2d", () => BatchNorm2d(Cuda(2, 3, 4, 4), Cpu(3), Cpu(3), null, null, training: true, 0.1f, 1e-5f));
        yield return Case("cross_entropy", () => CrossEntropy(Cuda(4, 3), Tensor.Zeros([4])));
        yield return Case("kl_div", () => KlDiv(Cpu(4, 3), Cuda(4, 3), KlReduction.BatchMean));
        yield return Case("kd_loss", () => KdLoss(Cuda(4, 3), Cpu(4, 3)));

        static TestCaseData Case(string op, Func<Tensor> call) => new TestCaseData(op, call).SetName($"MixedDevicesAreRejectedBy({op})");
    }

    [TestCaseSource(nameof(MixedDeviceOps))]
    public void MixedDevicesAreRejected(string op, Func<Tensor> call)
    {
        using var scope = TensorScope.Begin();
        var e = Assert.Throws<ArgumentException>(() => call())!;
        Assert.That(e.Message, Does.Contain(op).And.Contain("Cpu").And.Contain("Cuda"));
    }

    [Test]
    public void BackwardRefusesAGradientOnAnotherDevice()
    {
        using var scope = TensorScope.Begin();
        var x = Cuda(2, 3);
        x.RequiresGrad = true;
        var y = Scale(x, 2f);
        var e = Assert.Throws<ArgumentException>(() => y.Backward(Tensor.Ones([2, 3])))!;
        Assert.That(e.Message, Does.Contain("Backward").And.Contain("Cpu").And.Contain("Cuda"));
    }

    [Test]
    public void ModuleToMovesEveryParameterAndBufferInPlaceAndBack()
    {
        using var net = new Sequential(new NN.Conv2d(1, 4, 3, new Philox(1)), new BatchNorm2d(4), new ReLU(), new Flatten(), new NN.Linear(4 * 4 * 4, 3, new Philox(2)));
        var tensors = net.StateDict().Select(e => e.Tensor).ToList();
        using (var scope = TensorScope.Begin())
            Sum(net.Forward(Cpu(2, 1, 6, 6))).Backward(); // gradients and BN statistics to carry along
        var grads = tensors.Select(t => t.Grad?.ToArray()).ToList();
        var values = tensors.Select(t => t.ToArray()).ToList();

        net.To(Device.Cuda);
        Assert.That(net.Device, Is.EqualTo(Device.Cuda));
        Assert.That(net.StateDict().Select(e => e.Tensor), Is.EqualTo(tensors).Using<Tensor>(ReferenceEquals), "the same tensor objects");
        Assert.That(tensors.Select(t => t.Device), Is.All.EqualTo(Device.Cuda));
        Assert.That(tensors.Select(t => t.ToArray()), Is.EqualTo(values));
        Assert.That(tensors.Where(t => t.Grad != null).Select(t => t.Grad!.Device), Is.All.EqualTo(Device.Cuda));
        Assert.That(tensors.Select(t => t.Grad?.ToArray()), Is.EqualTo(grads));
        Assert.That(tensors.Where(t => t.RequiresGrad).Count(), Is.EqualTo(net.Parameters().Count()), "parameters still require grad");

        net.To(Device.Cpu);
        Assert.That(net.Device, Is.EqualTo(Device.Cpu));
        Assert.That(tensors.Select(t => t.ToArray()), Is.EqualTo(values));
    }

    /// <summary>
    /// One forward and backward through up to ResNet-18's 20 layers of convolutions, batch norms and products, each
    /// of which the parity table allows <see cref="ParityTolerance.Fp32"/> (1e-4); their errors add up along the
    /// depth, so ten times that, relative to each tensor's largest magnitude. Measured on the mock: at most 5e-6.
    /// </summary>
    const double DeepPass = 1e-3;

    [TestCase("lenet5-half", 1)]
    [TestCase("resnet18", 3)]
    public void ATrainingForwardAndBackwardOnAMovedModelMatchTheCpu(string arch, int channels)
    {
        // The CPU side is the exact reference: direct convolutions. With Winograd, ResNet-18's 20 layers of batch norm
        // over 2 images amplify its larger rounding (measured: 4.2e-3 of conv1's largest weight gradient).
        CpuBackend.AllowWinograd = false;
        try
        {
            TrainingPassMatches(arch, channels);
        }
        finally
        {
            CpuBackend.AllowWinograd = true;
        }
    }

    static void TrainingPassMatches(string arch, int channels)
    {
        using var cpu = ModelCatalog.Create(arch, 10, channels, new Philox(3));
        using var cuda = ModelCatalog.Create(arch, 10, channels, new Philox(3));
        cuda.To(Device.Cuda);
        using var scope = TensorScope.Begin();
        var x = Cpu(2, channels, 32, 32);
        var (expected, _) = cpu.Forward(x);
        var (actual, features) = cuda.Forward(x.To(Device.Cuda));
        Assert.That(new[] { actual.Device, features.Device }, Is.All.EqualTo(Device.Cuda));
        const string why = "fp32 sums in cuBLAS's and cuDNN's order through the whole network";
        StateAssert.Close(arch, [("logits", expected.ToArray())], [("logits", actual.ToArray())], DeepPass, why);
        Sum(expected).Backward();
        Sum(actual).Backward();
        Assert.That(cuda.Parameters().Select(p => p.Grad!.Device), Is.All.EqualTo(Device.Cuda));
        StateAssert.Close(arch, StateAssert.Gradients(cpu), StateAssert.Gradients(cuda), DeepPass, why);
        StateAssert.Close($"{arch} after the training forward (BN running statistics)", StateAssert.Values(cpu), StateAssert.Values(cuda), DeepPass, why);
    }

    [Test]
    public void AModuleOnTheCpuRefusesACudaInput()
    {
        using var net = new NN.Linear(3, 2, new Philox(1));
        using var scope = TensorScope.Begin();
        var e = Assert.Throws<ArgumentException>(() => net.Forward(Cuda(4, 3)))!;
        Assert.That(e.Message, Does.Contain("linear").And.Contain("Cuda").And.Contain("Cpu"));
    }

    [Test]
    public void ModuleToRefusesAParameterThatAViewShares()
    {
        using var net = new NN.Linear(3, 2, new Philox(1));
        using var view = net.Weight.Detach();
        var e = Assert.Throws<InvalidOperationException>(() => net.To(Device.Cuda))!;
        Assert.That(e.Message, Does.Contain("view"));
        Assert.That(net.Weight.Device, Is.EqualTo(Device.Cpu));
    }

    [Test]
    public void ASplitModuleHasNoSingleDevice()
    {
        using var net = new NN.Linear(3, 2, new Philox(1));
        net.Weight.MoveTo(Device.Cuda);
        var e = Assert.Throws<InvalidOperationException>(() => _ = net.Device)!;
        Assert.That(e.Message, Does.Contain("Cpu").And.Contain("Cuda"));
    }

    [Test]
    public void AnOptimizerMadeBeforeToFollowsTheMoveUntilItHasState()
    {
        using var net = new NN.Linear(3, 2, new Philox(1));
        using var adam = new Adam(net.Parameters(), 0.1f);
        net.To(Device.Cuda);
        void Step()
        {
            using var scope = TensorScope.Begin();
            var loss = Sum(net.Forward(Cuda(4, 3).To(net.Device)));
            adam.ZeroGrad();
            loss.Backward();
            adam.Step();
        }
        var before = net.Weight.ToArray();
        Step();
        Assert.That(net.Weight.ToArray(), Is.Not.EqualTo(before), "the optimizer updated the moved parameters");
        Assert.That(adam.StateTensors().Select(e => e.Tensor.Device), Is.All.EqualTo(Device.Cuda), "state is made on the parameter's device");

        net.To(Device.Cpu);
        var e = Assert.Throws<InvalidOperationException>(Step)!;
        Assert.That(e.Message, Does.Contain("Module.To").And.Contain("Cuda"));
    }
}
