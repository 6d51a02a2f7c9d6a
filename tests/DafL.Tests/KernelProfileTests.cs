using DafL.Backends.Dispatch;
using static DafL.Ops.Functional;

namespace DafL.Tests;

[NonParallelizable] // the profiler intercepts the process-wide backend
public class KernelProfileTests
{
    [Test]
    public void CountsEveryKernelCallByNameAndShape()
    {
        using var x = Tensor.FromArray([-1f, 2f, -3f, 4f, 5f, -6f], 2, 3);
        using var profile = KernelProfile.Start();
        using (var a = LeakyRelu(x, 0.2f))
        using (var b = LeakyRelu(x, 0.2f))
        using (var c = Tanh(a)) { }
        var rows = profile.Timings;
        var leaky = rows.Single(r => r.Kernel == "LeakyRelu");
        Assert.That(leaky.Calls, Is.EqualTo(2));
        Assert.That(leaky.Shape, Is.EqualTo("(2, 3)"));
        Assert.That(leaky.Backend, Is.EqualTo("cpu"));
        Assert.That(rows.Single(r => r.Kernel == "Tanh").Calls, Is.EqualTo(1));
        Assert.That(profile.Total, Is.EqualTo(rows.Aggregate(TimeSpan.Zero, (s, r) => s + r.Total)));
        Assert.That(profile.Format(), Does.Contain("LeakyRelu").And.Contain("all kernels"));
    }

    [Test]
    public void ResultsAreTheSameAsWithoutTheProfiler()
    {
        using var x = Tensor.FromArray([-1f, 2f, -3f, 4f], 4);
        using var plain = Tanh(x);
        using var profile = KernelProfile.Start();
        using var profiled = Tanh(x);
        Assert.That(profiled.ToArray(), Is.EqualTo(plain.ToArray()));
    }

    [Test]
    public void StopsRecordingWhenDisposed()
    {
        using var x = Tensor.FromArray([1f, -1f], 2);
        var profile = KernelProfile.Start();
        profile.Dispose();
        using (var y = Relu(x)) { }
        Assert.That(profile.Timings, Is.Empty);
        using var again = KernelProfile.Start(); // the slot is free again
        using (var y = Relu(x)) { }
        Assert.That(again.Timings.Single().Kernel, Is.EqualTo("LeakyRelu"));
    }

    [Test]
    public void OnlyOneProfileAtATime()
    {
        using var first = KernelProfile.Start();
        Assert.That(() => KernelProfile.Start(), Throws.InvalidOperationException.With.Message.Contains("already installed"));
    }
}
