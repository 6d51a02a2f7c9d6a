using DafL.Backends;
using DafL.Backends.Cuda.Kernels;

namespace DafL.Tests.CudaTests;

/// <summary>The structs the kernels take by value: sizes as cuda/README.md gives them, and their contents (no GPU needed).</summary>
public unsafe class DeviceLayoutTests
{
    [Test]
    public void StructSizesMatchTheKernels()
    {
        Assert.That(sizeof(DeviceBroadcastLayout), Is.EqualTo(100));
        Assert.That(sizeof(DeviceStridedCopyLayout), Is.EqualTo(200));
        Assert.That(sizeof(DeviceReduceLayout), Is.EqualTo(136));
        Assert.That(sizeof(DeviceAdamMultiTensor), Is.EqualTo(80));
        Assert.That(sizeof(DeviceAdamMultiTable), Is.EqualTo(80 * DeviceAdamMultiTable.Capacity));
        // adam_step_multi_f32 (table, int count, long long chunks, long long chunk): within the 4 KiB of kernel parameters.
        Assert.That(sizeof(DeviceAdamMultiTable) + 8 + 8 + 8, Is.LessThanOrEqualTo(4096));
    }

    [Test]
    public void BroadcastLayoutCarriesTheCollapsedWalk()
    {
        // y (2, 3, 4) = a (2, 3, 4) ∘ b (3, 1): collapsed to N 2 (b still), C 3 (b walked), W 4 (b still).
        var layout = DeviceLayouts.Broadcast("test", [2, 3, 4], [2, 3, 4], [3, 1]);
        Assert.That(layout.Rank, Is.EqualTo(3u));
        Assert.That(new[] { layout.Sizes[0], layout.Sizes[1], layout.Sizes[2] }, Is.EqualTo(new uint[] { 2, 3, 4 }));
        Assert.That(new[] { layout.AStrides[0], layout.AStrides[1], layout.AStrides[2] }, Is.EqualTo(new uint[] { 12, 4, 1 }));
        Assert.That(new[] { layout.BStrides[0], layout.BStrides[1], layout.BStrides[2] }, Is.EqualTo(new uint[] { 0, 1, 0 }));
        Assert.That(layout.Sizes[3], Is.Zero, "unused entries are 0");
    }

    [Test]
    public void ExpandLayoutHasOneOperand()
    {
        var layout = DeviceLayouts.Broadcast("expand", [4, 5], [5]);
        Assert.That(layout.Rank, Is.EqualTo(2u));
        Assert.That(new[] { layout.AStrides[0], layout.AStrides[1] }, Is.EqualTo(new uint[] { 0, 1 }));
        Assert.That(layout.BStrides[0], Is.Zero);
    }

    [Test]
    public void ReduceLayoutHoldsYsStridesWithZerosWhereReduced()
    {
        var walk = BroadcastLayout.Create([2, 3, 4, 5], [2, 1, 4, 1]);
        var layout = DeviceLayouts.Reduce("sum", walk, [2, 3, 4, 5]);
        Assert.That(layout.Rank, Is.EqualTo(walk.Sizes.Length));
        for (int d = 0; d < layout.Rank; d++)
        {
            Assert.That(layout.Sizes[d], Is.EqualTo(walk.Sizes[d]));
            Assert.That(layout.YStrides[d], Is.EqualTo(walk.Strides[0][d]));
        }
        Assert.That(layout.YStrides[1], Is.Zero, "the reduced C dimension");
    }

    [Test]
    public void StridedCopyLayoutHoldsBothTensorsStrides()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.Zeros([3, 4]);
        var t = a.T();
        var layout = DeviceLayouts.StridedCopy("copy", t, Tensor.Zeros([4, 3]));
        Assert.That(layout.Rank, Is.EqualTo(2));
        Assert.That(new[] { layout.Sizes[0], layout.Sizes[1], layout.SrcStrides[0], layout.SrcStrides[1], layout.DstStrides[0], layout.DstStrides[1] },
            Is.EqualTo(new long[] { 4, 3, 1, 4, 3, 1 }));
    }

    [Test]
    public void MoreThanEightDimensionsAreRefusedNamingTheOp()
    {
        int[] shape = [2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2];
        int[] alternating = [2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2];
        int[] other = [1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 2, 1, 1];
        Assert.That(() => DeviceLayouts.Broadcast("Binary(Add)", shape, alternating, other),
            Throws.ArgumentException.With.Message.Contains("Binary(Add)").And.Message.Contains("at most 8"));
    }
}
