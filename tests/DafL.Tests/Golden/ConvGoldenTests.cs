using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests.Golden;

/// <summary>conv2d (1×1, 3×3 pad 1, 5×5, stride 2; with and without bias) against PyTorch (Fixtures/conv.bin).</summary>
public class ConvGoldenTests() : GoldenTest("conv")
{
    [TestCase("conv1x1")]
    [TestCase("conv3x3_pad1")]
    [TestCase("conv3x3_pad1_nobias")]
    [TestCase("conv5x5")]
    [TestCase("conv5x5_nobias")]
    [TestCase("conv3x3_stride2_pad1")]
    [TestCase("conv3x3_stride2_nobias")]
    public void Conv2dMatchesPyTorch(string c)
    {
        int stride = Fx.Int($"{c}/cfg.stride"), padding = Fx.Int($"{c}/cfg.padding");
        string[] inputs = Fx.Has($"{c}/bias") ? ["x", "weight", "bias"] : ["x", "weight"];
        CheckOp(c, inputs, i => Conv2d(i[0], i[1], i.Length > 2 ? i[2] : null, stride, padding),
            new(1e-6, 1e-5, "C·k² products summed in a different order (im2col GEMM against PyTorch's kernels)"),
            new(1e-6, 1e-5, "the weight and input gradients sum over the batch and the plane in a different order"));
    }
}
