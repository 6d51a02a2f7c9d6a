using DafL.Backends.Cuda;
using DafL.Autograd;
using static DafL.Ops.Functional;

namespace DafL.Tests.CudaTests;

/// <summary>
/// Backward's finite-loss check on a device: no read of its own (a read waits for the stream), the loss copied and
/// read back with the next scalars, a non-finite one refused there with its origin.
/// </summary>
public sealed class DeferredLossCheckTests : CudaBackendTest
{
    static Tensor LossOf(float value)
    {
        var x = Tensor.FromArray([value, 2f], [2], Device.Cuda);
        x.RequiresGrad = true;
        return Sum(Relu(x));
    }

    [Test]
    public void BackwardReadsNothingAndTheLossComesBackWithTheNextScalars()
    {
        var loss = LossOf(1f);
        long reads = Gpu.HostReads;
        loss.Backward();
        Assert.That(Gpu.HostReads, Is.EqualTo(reads), "backward made no device→host copy");
        Assert.That(Tensor.Items(loss), Is.EqualTo(new[] { 3f }));
        Assert.That(Gpu.HostReads, Is.EqualTo(reads + 1), "the losses and the deferred check came back in one copy");
    }

    [Test]
    public void ANonFiniteLossIsRefusedAtTheNextReadNamingItsOrigin()
    {
        var loss = LossOf(float.PositiveInfinity);
        Assert.That(() => loss.Backward(), Throws.Nothing, "on a device the check waits for the next read");
        var e = Assert.Throws<ArithmeticException>(() => loss.Item())!;
        Assert.That(e.Message, Does.Contain($"{float.PositiveInfinity}").And.Contain("sum"));
        Assert.That(() => loss.Item(), Throws.Nothing, "a refused loss is reported once");
    }

    [Test]
    public void LossesNobodyReadsAreCheckedAfterAFewBackwardPasses()
    {
        var loss = LossOf(float.NaN);
        for (int i = 1; i < DeferredLossCheck.MaxPending; i++) loss.Backward(retainGraph: true);
        long reads = Gpu.HostReads;
        Assert.That(() => loss.Backward(retainGraph: true), Throws.TypeOf<ArithmeticException>().With.Message.Contains("NaN"));
        Assert.That(Gpu.HostReads, Is.EqualTo(reads + 1), "one read for all of them");
    }
}
