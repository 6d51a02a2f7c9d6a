using DafL.Backends;

namespace DafL.Backends.Cuda;

/// <summary>Makes <see cref="Device.Cuda"/> usable: installs the CUDA backend's factory in <see cref="Backend"/>.</summary>
public static class CudaSetup
{
    /// <summary>
    /// Registers a factory that creates a <see cref="CudaBackend"/> with <paramref name="options"/> on first use of
    /// <see cref="Device.Cuda"/>. Creating it fails (and <see cref="Backend.TryCuda"/> reports why) when the driver,
    /// a device, cuBLAS, cuDNN or NVRTC is missing. Replaces (and disposes) any CUDA backend created before.
    /// </summary>
    public static void Register(CudaBackendOptions? options = null)
    {
        var settings = options ?? new CudaBackendOptions();
        Backend.RegisterCuda(() => new CudaBackend(settings));
    }
}
