using System.Runtime.InteropServices;
using DafL.Native;

namespace DafL.Tests.Native;

/// <summary>On a machine without the driver, CUDA is reported unavailable with a reason, and using it fails clearly.</summary>
public class CudaAvailabilityTests
{
    static void RequireNoDriver()
    {
        if (NativeLibrary.TryLoad("libcuda.so.1", out nint handle))
        {
            NativeLibrary.Free(handle);
            Assert.Ignore("libcuda.so.1 is installed here: this test covers machines without the CUDA driver.");
        }
        if (Environment.GetEnvironmentVariable("DAFL_CUDA_DRIVER") is { Length: > 0 } driver)
            Assert.Ignore($"DAFL_CUDA_DRIVER={driver} is set: this test covers machines without the CUDA driver.");
    }

    [Test]
    public void WithoutTheDriverCudaIsUnavailableAndTheReasonNamesLibcuda()
    {
        RequireNoDriver();
        TestContext.Out.WriteLine(Cuda.UnavailableReason);
        Assert.That(Cuda.IsAvailable, Is.False);
        Assert.That(Cuda.UnavailableReason, Does.Contain("libcuda.so.1"));
        Assert.That(Cuda.UnavailableReason, Does.Contain("the loader's default search"), "the reason says where it looked");
    }

    [Test]
    public void UsingCudaWithoutTheDriverThrowsWithTheReason()
    {
        RequireNoDriver();
        Assert.That(() => CudaDevice.Get(0), Throws.InvalidOperationException.With.Message.Contains("CUDA is not available").And.Message.Contains("libcuda.so.1"));
        Assert.That(() => Cuda.DeviceCount, Throws.InvalidOperationException);
    }

    [Test]
    public void AvailabilityOfEveryLibraryIsAnsweredWithoutThrowing()
    {
        Assert.That(() => (Cuda.IsAvailable, Cublas.IsAvailable, Cudnn.IsAvailable, Nvrtc.IsAvailable), Throws.Nothing);
        foreach (var (available, reason) in new[] { (Cuda.IsAvailable, Cuda.UnavailableReason), (Cublas.IsAvailable, Cublas.UnavailableReason),
                     (Cudnn.IsAvailable, Cudnn.UnavailableReason), (Nvrtc.IsAvailable, Nvrtc.UnavailableReason) })
            Assert.That(reason, available ? Is.Empty : Is.Not.Empty);
    }
}
