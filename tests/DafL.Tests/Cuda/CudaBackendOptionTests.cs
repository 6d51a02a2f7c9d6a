using DafL.Backends.Cuda;

namespace DafL.Tests.CudaTests;

/// <summary>The backend's options on a device: measured convolution search (FindEx), and TF32 for products and convolutions.</summary>
public sealed class CudaBackendOptionTests : CudaParityTest
{
    protected override CudaBackendOptions Options => new() { ConvolutionSearch = ConvolutionSearch.Measure, AllowTf32 = true };

    [Test]
    public void MeasuredConvolutionAlgorithmsGiveTheCpusResultsWithinTf32Rounding()
    {
        var x = Input([4, 8, 16, 16], 140);
        var w = Input([16, 8, 3, 3], 141);
        var gy = Input([4, 16, 8, 8], 142);
        var y = Output(4, 16, 8, 8);
        var gx = Output(4, 8, 16, 16);
        var gw = Output(16, 8, 3, 3);
        Both((b, s) =>
        {
            b.Conv2dForward(s(x), s(w), null, s(y), 2, 1);
            b.Conv2dBackwardData(s(gy), s(w), s(gx), 2, 1);
            b.Conv2dBackwardWeight(s(x), s(gy), s(gw), 2, 1);
        });
        Close(y, "forward", 3e-3f);
        Close(gx, "backward data", 3e-3f);
        Close(gw, "backward weight", 3e-3f);
    }

    [Test]
    public void Tf32MatMulIsWithinTf32Rounding()
    {
        var a = Input([64, 256], 143);
        var b2 = Input([256, 32], 144);
        var c = Output(64, 32);
        Both((b, s) => b.MatMul(s(a), false, s(b2), false, s(c), 1f, 0f));
        Close(c, "TF32 product", 3e-3f);
        Assert.That(Gpu.Options.AllowTf32, Is.True);
    }
}
