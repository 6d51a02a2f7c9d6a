using DafL.Backends;

namespace DafL.Backends.Cuda;

/// <summary>Makes <c>Device.Cuda</c> usable: registers the CUDA backend's factory and facts in <see cref="Backend"/>.</summary>
public static class CudaSetup
{
    /// <summary>
    /// Registers, under "cuda", a factory that creates a <see cref="CudaBackend"/> with <paramref name="options"/> on
    /// first use of <c>Device.Cuda</c>, and <see cref="CudaStack.Probe"/> as what <c>dafl doctor</c> reports. Creating it
    /// fails (and <see cref="Backend.TryGet"/> reports why) when the driver, a device, cuBLAS, cuDNN or NVRTC is
    /// missing. Replaces (and disposes) any CUDA backend created before.
    /// </summary>
    public static void Register(CudaBackendOptions? options = null)
    {
        var settings = options ?? new CudaBackendOptions();
        Backend.Register(CudaDeviceName.Name, () => new CudaBackend(settings));
        Backend.Describe(CudaDeviceName.Name, CudaStack.Probe);
    }
}
