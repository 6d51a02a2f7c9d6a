using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests;

/// <summary>
/// <see cref="DafL.Ops.Functional.UpsampleConv2d"/> against its unfused composition Conv2d(UpsampleNearest(x, f)):
/// the forward and the three gradients are the same bit for bit on the CPU, on the fused ×2 path
/// (<c>PaddedConv</c>'s staging upsamples) and on the paths that materialise the upsampled input; and a gradient check.
/// </summary>
public class UpsampleConvTests : LeakCheckedTest
{
    /// <summary>Input (N, C, H, W) upsampled ×Factor, O filters k×k, stride, padding.</summary>
    public readonly record struct Case(string Name, int N, int C, int H, int W, int O, int K, int Stride, int Padding, int Factor = 2)
    {
        public override string ToString() => Name;
    }

    public static readonly Case[] Cases =
    [
        new("generator-like 8 channels 4×4, fused", 3, 8, 4, 4, 8, 3, 1, 1),
        new("40 channels 8×8, fused and Winograd", 5, 40, 8, 8, 40, 3, 1, 1),
        new("odd 5×3, 1 channel, batch 1, fused", 1, 1, 5, 3, 6, 3, 1, 1),
        new("5×5 kernel padding 2, fused", 2, 3, 3, 5, 8, 5, 1, 2),
        new("no padding 3×3 on 3×4, fused", 2, 4, 3, 4, 7, 3, 1, 0),
        new("3 outputs (direct), materialised", 2, 2, 5, 5, 3, 3, 1, 1),
        new("stride 2, materialised", 2, 3, 5, 5, 6, 3, 2, 1),
        new("pointwise 1×1, materialised", 1, 4, 3, 3, 5, 1, 1, 0),
        new("×3, materialised", 2, 3, 3, 4, 6, 3, 1, 1, 3),
    ];

    [TestCaseSource(nameof(Cases))]
    public void ForwardAndGradientsEqualTheUnfusedCompositionBitForBit(Case k)
    {
        var (fused, composed) = (Run(k, fuse: true), Run(k, fuse: false));
        string[] names = ["y", "gx", "gw", "gb"];
        for (int i = 0; i < names.Length; i++)
            Assert.That(fused[i], Is.EqualTo(composed[i]), $"{k.Name}: {names[i]}");
    }

    /// <summary>y, and the gradients of Σ y·r (r random) with respect to x, weight and bias.</summary>
    static float[][] Run(Case k, bool fuse)
    {
        using var x = GradCheck.Input([k.N, k.C, k.H, k.W], 31);
        using var w = GradCheck.Input([k.O, k.C, k.K, k.K], 32);
        using var b = GradCheck.Input([k.O], 33);
        foreach (var t in new[] { x, w, b }) t.RequiresGrad = true;
        using var large = fuse ? null : UpsampleNearest(x, k.Factor);
        using var y = fuse ? UpsampleConv2d(x, w, b, k.Factor, k.Stride, k.Padding) : Conv2d(large!, w, b, k.Stride, k.Padding);
        using var r = GradCheck.Input(y.Shape, 34);
        y.Backward(r);
        return [y.ToArray(), x.Grad!.ToArray(), w.Grad!.ToArray(), b.Grad!.ToArray()];
    }

    [Test]
    public void GradCheckFused()
    {
        using var x = GradCheck.Input([2, 3, 3, 4], 40);
        using var w = GradCheck.Input([6, 3, 3, 3], 41);
        using var b = GradCheck.Input([6], 42);
        GradCheck.Check(i => UpsampleConv2d(i[0], i[1], i[2], 2, 1, 1), [x, w, b]);
    }

    [Test]
    public void OutputIsTheConvolutionOfTheUpsampledSize()
    {
        using var x = Tensor.Zeros([2, 3, 5, 4]);
        using var w = Tensor.Zeros([6, 3, 3, 3]);
        using var y = UpsampleConv2d(x, w, null, 2, 1, 1);
        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 6, 10, 8 }));
    }

    [Test]
    public void FactorBelowOneIsRejected()
    {
        using var x = Tensor.Zeros([1, 3, 4, 4]);
        using var w = Tensor.Zeros([4, 3, 3, 3]);
        var e = Assert.Throws<ArgumentException>(() => UpsampleConv2d(x, w, null, 0, 1, 1).Dispose())!;
        Assert.That(e.Message, Does.StartWith("upsample_conv2d:").And.Contain("factor 0"));
    }

    [Test]
    public void KernelIsCheckedAgainstTheUpsampledInput()
    {
        using var x = Tensor.Zeros([1, 1, 2, 2]);
        using var w = Tensor.Zeros([6, 1, 5, 5]);
        var e = Assert.Throws<ArgumentException>(() => UpsampleConv2d(x, w, null, 2, 1, 0).Dispose())!;
        Assert.That(e.Message, Does.Contain("larger than the padded input 4×4").And.Contain("upsample 2"));
    }
}
