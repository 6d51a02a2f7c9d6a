using DafL.Autograd;
using DafL.Memory;
using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests;

public class ScopeAndAutogradTests
{
    [Test]
    public void ScopeDisposesWhatWasCreatedInsideButNotWhatItKeeps()
    {
        long tensors = Tensor.LiveTensors, buffers = BufferPool.LiveBuffers;
        Tensor kept;
        using (var outer = TensorScope.Begin())
        {
            using (var inner = TensorScope.Begin())
            {
                _ = Tensor.Zeros([10]);
                kept = inner.Keep(Tensor.Ones([3]));
            }
            Assert.That(kept.IsDisposed, Is.False, "kept tensor moved to the outer scope");
            Assert.That(Tensor.LiveTensors, Is.EqualTo(tensors + 1));
        }
        Assert.That(kept.IsDisposed, Is.True, "outer scope disposed the kept tensor");
        Assert.That(Tensor.LiveTensors, Is.EqualTo(tensors));
        Assert.That(BufferPool.LiveBuffers, Is.EqualTo(buffers));
    }

    [Test]
    public void UntrackedRegionTensorsSurviveScopes()
    {
        Tensor param;
        using (TensorScope.Begin())
        using (TensorScope.Untracked())
            param = Tensor.Zeros([2]);
        Assert.That(param.IsDisposed, Is.False);
        param.Dispose();
    }

    [Test]
    public void GradientsAccumulateAcrossBackwardCalls()
    {
        using var x = Tensor.FromArray([1f, -2f, 3f], 3);
        x.RequiresGrad = true;
        using var g = Tensor.FromArray([1f, 1f, 1f], 3);
        using (var y = Relu(x)) y.Backward(g);
        using (var y = Relu(x)) y.Backward(g);
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(new[] { 2f, 0f, 2f }));
        x.ZeroGrad();
        Assert.That(x.Grad, Is.Null);
    }

    [Test]
    public void ATensorUsedTwiceGetsBothGradients()
    {
        // y = relu(x) viewed twice through reshape: both paths reach x.
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1f, 2f, 3f, 4f], 4);
        x.RequiresGrad = true;
        var r = Relu(x);
        var a = r.Reshape(2, 2);
        var b = r.Reshape(4);
        var la = LeakyRelu(a, 0.5f).Reshape(4);
        var lb = LeakyRelu(b, 0.5f);
        // Combine through a graph node with two inputs: the gradient of the engine's seed flows through both.
        la.Backward(Tensor.Ones([4]), retainGraph: true);
        lb.Backward(Tensor.Ones([4]));
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(new[] { 2f, 2f, 2f, 2f }));
    }

    [Test]
    public void DetachAndNoGradCutTheGraph()
    {
        using var x = Tensor.FromArray([1f, 2f], 2);
        x.RequiresGrad = true;
        using var d = x.Detach();
        Assert.That(d.RequiresGrad, Is.False);
        using (var y = Relu(d)) Assert.That(y.RequiresGrad, Is.False);
        using (GradMode.NoGrad())
        using (var y = Relu(x))
        {
            Assert.That(y.RequiresGrad, Is.False);
            Assert.That(y.GradFn, Is.Null);
        }
        using var z = Relu(x);
        Assert.That(z.GradFn!.Op, Is.EqualTo("relu"));
    }

    [Test]
    public void BackwardTwiceThroughAFreedGraphNamesTheOp()
    {
        using var scope = TensorScope.Begin();
        var x = GradCheck.Input([2, 3], 3);
        var y = LeakyRelu(x, 0.1f);
        var g = Tensor.Ones([2, 3]);
        y.Backward(g);
        var ex = Assert.Throws<InvalidOperationException>(() => y.Backward(g));
        Assert.That(ex!.Message, Does.Contain("freed graph").And.Contain("leaky_relu").And.Contain("[2, 3]"));
        x.Dispose();
    }

    [Test]
    public void RetainGraphAllowsASecondBackward()
    {
        using var scope = TensorScope.Begin();
        var x = GradCheck.Input([4], 4, minAbs: 0.1f);
        var y = Relu(x);
        var g = Tensor.Ones([4]);
        y.Backward(g, retainGraph: true);
        y.Backward(g);
        var expected = x.ToArray().Select(v => v > 0 ? 2f : 0f);
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(expected));
        x.Dispose();
    }

    [Test]
    public void NonFiniteLossIsRefusedWithItsOrigin()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([float.NaN], 1);
        x.RequiresGrad = true;
        var y = Relu(x.Reshape([]));
        var ex = Assert.Throws<ArithmeticException>(() => y.Backward());
        Assert.That(ex!.Message, Does.Contain("NaN").And.Contain("relu"));
    }

    [Test]
    public void BackwardNeedsAScalarOrAGradient()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.FromArray([1f, 2f], 2);
        x.RequiresGrad = true;
        var y = Relu(x);
        Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Throws<ArgumentException>(() => y.Backward(Tensor.Ones([3])));
        using var plain = Tensor.Ones([1]);
        Assert.Throws<InvalidOperationException>(() => plain.Backward());
    }

    [Test]
    public void BackwardReleasesEveryIntermediate()
    {
        using var x = GradCheck.Input([16, 16], 9);
        long tensors = Tensor.LiveTensors, buffers = BufferPool.LiveBuffers;
        using (TensorScope.Begin())
        {
            var y = x;
            for (int i = 0; i < 10; i++) y = LeakyRelu(y.Reshape(256).Reshape(16, 16), 0.5f);
            y.Backward(Tensor.Ones([16, 16]));
        }
        Assert.That(Tensor.LiveTensors, Is.EqualTo(tensors + 1), "only x's gradient is new");
        Assert.That(BufferPool.LiveBuffers, Is.EqualTo(buffers + 1));
    }
}
