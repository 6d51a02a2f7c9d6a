using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests.Golden;

/// <summary>max/avg pooling and nearest upsampling against PyTorch (Fixtures/pool.bin).</summary>
public class PoolGoldenTests() : GoldenTest("pool")
{
    [TestCase("max_pool2")]
    [TestCase("max_pool2_odd")]
    public void MaxPoolMatchesPyTorch(string c) => CheckOp(c, ["x"], i => MaxPool2d(i[0], Fx.Int($"{c}/cfg.kernel"), Fx.Int($"{c}/cfg.stride")),
        Tolerance.Exact("a maximum involves no rounding"),
        Tolerance.Exact("gout is routed to the maximum without rounding (non-overlapping windows)"));

    [TestCase("avg_pool2")]
    [TestCase("avg_pool4")]
    public void AvgPoolMatchesPyTorch(string c) => CheckOp(c, ["x"], i => AvgPool2d(i[0], Fx.Int($"{c}/cfg.kernel"), Fx.Int($"{c}/cfg.stride")),
        new(1e-7, 1e-6, "a window sum in a possibly different order, then a division or a product by 1/k²"),
        new(0, 2.4e-7, "gout/k²: a division or a product by the rounded 1/k² (2 ulp)"));

    [Test]
    public void UpsampleNearestMatchesPyTorch() => CheckOp("upsample2", ["x"], i => UpsampleNearest(i[0], Fx.Int("upsample2/cfg.scale")),
        Tolerance.Exact("upsampling copies"),
        new(1e-7, 1e-6, "the gradient sums scale² values of gout in a possibly different order"));
}
