using DafL.Tests.Support;
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
        void Convolve() => Both((b, s) =>
        {
            b.Conv2dForward(s(x), s(w), null, s(y), 2, 1);
            b.Conv2dBackwardData(s(gy), s(w), s(gx), 2, 1);
            b.Conv2dBackwardWeight(s(x), s(gy), s(gw), 2, 1);
        });
        if (MockGpu.IsActive)
        {
            // The mock counts what reaches cuDNN: each direction's measured search ran, and TF32 rounded its inputs (on
            // a GPU, cuDNN may pick an FP32 algorithm for a shape even with tensor-op math allowed: only parity holds there).
            var searches = MockGpu.CallsDuring(Convolve, "cudnnFindConvolutionForwardAlgorithmEx",
                "cudnnFindConvolutionBackwardDataAlgorithmEx", "cudnnFindConvolutionBackwardFilterAlgorithmEx");
            Assert.That(searches, Is.All.GreaterThan(0), "measured searches (forward, backward data, backward filter)");
            Assert.That(LargestDifference(y), Is.GreaterThan(1e-5f), "TF32 reached cuDNN: the forward products are not FP32's");
        }
        else
        {
            Convolve();
        }
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
        // K = 256 products of inputs rounded to a 10-bit mantissa: FP32 would agree with the CPU to about 1e-6.
        Assert.That(LargestDifference(c), Is.GreaterThan(1e-5f), "TF32 reached cuBLAS: the product is not FP32's");
    }
}
