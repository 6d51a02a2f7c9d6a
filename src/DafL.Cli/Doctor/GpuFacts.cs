using System.Globalization;
using DafL.Native;

namespace DafL.Cli.Doctor;

/// <summary>One part of the CUDA stack: its version when it works, else why not.</summary>
public sealed record ComponentFact(string Name, bool Available, string Version, string Reason);

/// <summary>The GPU the CUDA backend would use.</summary>
public sealed record DeviceFact(string Name, string Architecture, int Multiprocessors, long MemoryBytes);

/// <summary>The CUDA driver, cuBLAS, cuDNN and NVRTC as this process finds them, and device 0 (or why it could not be read).</summary>
public sealed record GpuFacts(IReadOnlyList<ComponentFact> Components, DeviceFact? Device, string DeviceError)
{
    /// <summary>Asks each library for its version; a failure becomes that component's reason, never an exception.</summary>
    public static GpuFacts Probe()
    {
        var driver = Component("CUDA driver", () => Cuda.IsAvailable, () => Cuda.UnavailableReason,
            () => $"{Dotted(Cuda.DriverVersion / 1000, Cuda.DriverVersion % 1000 / 10)} (CUDA API), {Cuda.DeviceCount} device(s)");
        var cublas = Component("cuBLAS", () => Cublas.IsAvailable && Cuda.IsAvailable,
            () => Cublas.IsAvailable ? $"needs the CUDA driver: {Cuda.UnavailableReason}" : Cublas.UnavailableReason, CublasVersion);
        var cudnn = Component("cuDNN", () => Cudnn.IsAvailable, () => Cudnn.UnavailableReason,
            () => Dotted(Cudnn.Version / 10000, Cudnn.Version % 10000 / 100, Cudnn.Version % 100));
        var nvrtc = Component("NVRTC", () => Nvrtc.IsAvailable, () => Nvrtc.UnavailableReason, () =>
        {
            var (major, minor) = Nvrtc.Version;
            return $"{Dotted(major, minor)}, architectures {string.Join(' ', Nvrtc.SupportedArchitectures.Select(a => $"sm_{a}"))}";
        });
        if (!driver.Available) return new GpuFacts([driver, cublas, cudnn, nvrtc], null, "no CUDA driver");
        try
        {
            var device = CudaDevice.Get(0);
            return new GpuFacts([driver, cublas, cudnn, nvrtc], new DeviceFact(device.Name, device.Architecture, device.MultiprocessorCount, device.TotalMemoryBytes), "");
        }
        catch (Exception e)
        {
            return new GpuFacts([driver, cublas, cudnn, nvrtc], null, $"{e.GetType().Name}: {e.Message}");
        }
    }

    static ComponentFact Component(string name, Func<bool> available, Func<string> reason, Func<string> version)
    {
        try
        {
            return available() ? new ComponentFact(name, true, version(), "") : new ComponentFact(name, false, "", reason());
        }
        catch (Exception e)
        {
            return new ComponentFact(name, false, "", $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>cuBLAS reports its version only through a handle, which needs a context on a device.</summary>
    static string CublasVersion()
    {
        using var context = CudaContext.RetainPrimary(CudaDevice.Get(0));
        using var handle = CublasHandle.Create(context);
        int v = handle.Version;
        return Dotted(v / 10000, v % 10000 / 100, v % 100);
    }

    static string Dotted(params int[] parts) => string.Join('.', parts.Select(p => p.ToString(CultureInfo.InvariantCulture)));
}
