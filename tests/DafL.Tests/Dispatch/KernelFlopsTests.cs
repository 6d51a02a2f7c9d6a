using DafL.Backends.Dispatch;
using DafL.Random;
using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests.Dispatch;

/// <summary><see cref="KernelFlops"/>: the dense work of a convolution and a linear layer, both directions, by hand.</summary>
public class KernelFlopsTests : LeakCheckedTest
{
    [Test]
    public void ConvolutionAndLinearForwardAndBackwardCountTwoFlopsPerMultiplyAdd()
    {
        var gen = new Philox(3);
        using var x = Tensor.Randn([2, 3, 6, 5], gen);
        using var w = Tensor.Randn([4, 3, 3, 3], gen);
        using var fc = Tensor.Randn([7, 4 * 6 * 5], gen);
        x.RequiresGrad = true;
        w.RequiresGrad = true;
        fc.RequiresGrad = true;
        double flops;
        using (var counter = KernelFlops.Start())
        {
            using var y = Conv2d(x, w, padding: 1);                // (2, 4, 6, 5)
            using var flat = y.Reshape(2, 4 * 6 * 5);
            using var z = Linear(flat, fc);                        // (2, 7)
            using var loss = Sum(z);
            loss.Backward();
            flops = counter.Flops;
        }
        // The convolution: each of y's 2·4·6·5 outputs sums 3·3·3 products, in the forward, the data gradient and the
        // weight gradient. The linear layer: 2·7 outputs of 120 products, its data gradient and its weight gradient.
        double conv = 2.0 * (2 * 4 * 6 * 5) * (3 * 3 * 3), linear = 2.0 * (2 * 7) * 120;
        Assert.That(flops, Is.EqualTo(3 * conv + 3 * linear));
    }

    [Test]
    public void AnUpsamplingConvolutionCountsTheWorkOfTheConvolutionOfTheUpsampledInput()
    {
        var gen = new Philox(4);
        using var x = Tensor.Randn([2, 3, 3, 4], gen);
        using var w = Tensor.Randn([5, 3, 3, 3], gen);
        x.RequiresGrad = true;
        w.RequiresGrad = true;
        double flops;
        using (var counter = KernelFlops.Start())
        {
            using var y = UpsampleConv2d(x, w, null, 2, padding: 1); // (2, 5, 6, 8)
            using var loss = Sum(y);
            loss.Backward();
            flops = counter.Flops;
        }
        Assert.That(flops, Is.EqualTo(3 * 2.0 * (2 * 5 * 6 * 8) * (3 * 3 * 3)));
    }

    [Test]
    public void OtherKernelsCountNothingAndCountingStopsOnDispose()
    {
        using var a = Tensor.Ones([4, 4]);
        double flops;
        using (var counter = KernelFlops.Start())
        {
            using var b = a * 2f;
            flops = counter.Flops;
        }
        Assert.That(flops, Is.Zero);
        Assert.That(Backends.Backend.For(a.Device), Is.Not.InstanceOf<DispatchingBackend>());
    }
}
