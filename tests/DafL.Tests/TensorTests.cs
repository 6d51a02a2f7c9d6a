using DafL.Memory;

namespace DafL.Tests;

public class TensorTests
{
    [Test]
    public void CreationShapesAndStrides()
    {
        using var t = Tensor.Zeros([2, 3, 4]);
        Assert.That(t.Shape, Is.EqualTo(new[] { 2, 3, 4 }));
        Assert.That(t.Strides, Is.EqualTo(new[] { 12, 4, 1 }));
        Assert.That(t.Numel, Is.EqualTo(24));
        Assert.That(t.ToArray(), Is.All.EqualTo(0f));
        using var o = Tensor.Full([3], 2.5f);
        Assert.That(o.ToArray(), Is.EqualTo(new[] { 2.5f, 2.5f, 2.5f }));
        using var s = Tensor.Scalar(4f);
        Assert.That(s.Item(), Is.EqualTo(4f));
    }

    [Test]
    public void ItemsReadsSeveralScalarsAtOnce()
    {
        using var a = Tensor.Scalar(1.5f);
        using var b = Tensor.FromArray([7f, -2f], 2);
        using var c = b.Narrow0(1, 1); // a one-element view at an offset
        Assert.That(Tensor.Items(a, c, a), Is.EqualTo(new[] { 1.5f, -2f, 1.5f }));
        Assert.That(Tensor.Items(), Is.Empty);
        var ex = Assert.Throws<InvalidOperationException>(() => Tensor.Items(a, b));
        Assert.That(ex!.Message, Does.Contain("tensor 1").And.Contain("[2]"));
    }

    [Test]
    public void FromArrayRejectsWrongCount()
    {
        var ex = Assert.Throws<ArgumentException>(() => Tensor.FromArray(new float[5], 2, 3));
        Assert.That(ex!.Message, Does.Contain("[2, 3]").And.Contain("5 values"));
    }

    [Test]
    public void ReshapeIsAViewSharingMemory()
    {
        using var t = Tensor.FromArray([1f, 2, 3, 4, 5, 6], 2, 3);
        using var r = t.Reshape(3, -1);
        Assert.That(r.Shape, Is.EqualTo(new[] { 3, 2 }));
        r.Span[0] = 10;
        Assert.That(t.ToArray()[0], Is.EqualTo(10f));
        Assert.Throws<ArgumentException>(() => t.Reshape(4, -1));
        Assert.Throws<ArgumentException>(() => t.Reshape(-1, -1));
    }

    [Test]
    public void FlattenKeepsBatchDimension()
    {
        using var t = Tensor.Zeros([4, 3, 2, 2]);
        using var f = t.Flatten();
        Assert.That(f.Shape, Is.EqualTo(new[] { 4, 12 }));
    }

    [Test]
    public void Narrow0IsABatchSliceView()
    {
        using var t = Tensor.FromArray([0f, 1, 2, 3, 4, 5, 6, 7], 4, 2);
        using var s = t.Narrow0(1, 2);
        Assert.That(s.ToArray(), Is.EqualTo(new[] { 2f, 3, 4, 5 }));
        Assert.That(s.IsContiguous, Is.True);
        s.Span[0] = -1;
        Assert.That(t.ToArray()[2], Is.EqualTo(-1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Narrow0(3, 2));
    }

    [Test]
    public void TransposeIsStridedAndContiguousCopies()
    {
        using var t = Tensor.FromArray([1f, 2, 3, 4, 5, 6], 2, 3);
        using var tt = t.T();
        Assert.That(tt.IsContiguous, Is.False);
        Assert.That(tt.ToArray(), Is.EqualTo(new[] { 1f, 4, 2, 5, 3, 6 }));
        using var c = tt.Contiguous();
        Assert.That(c.IsContiguous, Is.True);
        Assert.That(c.Strides, Is.EqualTo(new[] { 2, 1 }));
        Assert.That(c.ToArray(), Is.EqualTo(new[] { 1f, 4, 2, 5, 3, 6 }));
        Assert.Throws<InvalidOperationException>(() => _ = tt.Span);
    }

    [Test]
    public void MemorySurvivesUntilTheLastViewIsDisposed()
    {
        long buffers = BufferPool.LiveBuffers;
        var t = Tensor.FromArray([1f, 2, 3, 4], 4);
        var v = t.Reshape(2, 2);
        t.Dispose();
        Assert.That(BufferPool.LiveBuffers, Is.EqualTo(buffers + 1));
        Assert.That(v.ToArray(), Is.EqualTo(new[] { 1f, 2, 3, 4 }));
        v.Dispose();
        Assert.That(BufferPool.LiveBuffers, Is.EqualTo(buffers));
        Assert.Throws<ObjectDisposedException>(() => v.ToArray());
        v.Dispose(); // idempotent
    }

    [Test]
    public void CloneOwnsItsMemory()
    {
        using var t = Tensor.FromArray([1f, 2], 2);
        using var c = t.Clone();
        c.Span[0] = 9;
        Assert.That(t.ToArray()[0], Is.EqualTo(1f));
    }

    [Test]
    public void PoolReusesSizeClasses()
    {
        Assert.That(BufferPool.SizeClass(1), Is.EqualTo(16));
        Assert.That(BufferPool.SizeClass(1024), Is.EqualTo(1024));
        Assert.That(BufferPool.SizeClass(1025), Is.EqualTo(1536));
        Assert.That(BufferPool.SizeClass(1537), Is.EqualTo(2048));
        using (Tensor.Zeros([1000])) { }
        var before = BufferPool.Counters.SystemAllocations;
        using (Tensor.Zeros([1000])) { }
        Assert.That(BufferPool.Counters.SystemAllocations, Is.EqualTo(before), "a freed buffer of the same size class is reused");
    }

    [Test]
    public void TrimFreesTheCacheButNotLiveBuffers()
    {
        using var live = Tensor.Zeros([4096]);
        using (Tensor.Zeros([8192])) { }
        Assert.That(BufferPool.CachedBytes, Is.GreaterThan(0));
        BufferPool.Trim();
        Assert.That(BufferPool.CachedBytes, Is.EqualTo(0));
        Assert.That(live.ToArray(), Is.All.EqualTo(0f), "a live buffer is untouched");
    }
}
