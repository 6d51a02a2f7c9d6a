using System.Runtime.InteropServices;
using DafL.Backends;
using DafL.Backends.Cuda;

namespace DafL.Tests.CudaTests;

/// <summary>Registering the CUDA backend on a machine without the CUDA driver (global state: restored after).</summary>
[NonParallelizable]
public class CudaSetupTests
{
    [TearDown]
    public void RegisterAFreshFactory() => CudaSetup.Register(); // the state a process that references DafL.Cuda normally has

    [Test]
    public void WithoutTheDriverTryGetIsFalseAndTheReasonNamesLibcuda()
    {
        if (NativeLibrary.TryLoad("libcuda.so.1", out nint handle))
        {
            NativeLibrary.Free(handle);
            Assert.Ignore("libcuda.so.1 is installed here: this test covers machines without the CUDA driver.");
        }
        CudaSetup.Register();
        Assert.That(Backend.TryGet(Device.Cuda, out _, out string reason), Is.False);
        TestContext.Out.WriteLine(reason);
        Assert.That(reason, Does.Contain("libcuda.so.1"));
        Assert.That(reason, Does.StartWith("CUDA: "), "the missing piece is named first");
        Assert.That(() => Backend.For(Device.Cuda), Throws.InvalidOperationException.With.Message.Contains("libcuda.so.1"));
        Assert.That(() => Tensor.Zeros([2], Device.Cuda), Throws.InvalidOperationException.With.Message.Contains("The CUDA backend is not available"));
    }

    [Test]
    public void TheFactoryRunsOnFirstUseAndItsExceptionBecomesTheReason()
    {
        int calls = 0;
        Backend.Register(CudaDeviceName.Name, () =>
        {
            calls++;
            throw new InvalidOperationException("no device in this test");
        });
        Assert.That(calls, Is.Zero, "registering creates nothing");
        Assert.That(Backend.TryGet(Device.Cuda, out _, out string reason), Is.False);
        Assert.That(Backend.TryGet(Device.Cuda, out _, out _), Is.False);
        Assert.That((calls, reason), Is.EqualTo((1, "no device in this test")), "a failure is remembered, not retried");
        CudaSetup.Register();
        // The real factory now runs: it starts (a GPU, the mock GPU) or fails for its own reason.
        bool started = Backend.TryGet(Device.Cuda, out _, out string fresh);
        Assert.That(started ? "" : fresh, Is.Not.EqualTo("no device in this test"), "registering again starts over");
    }
}
