using System.Globalization;
using DafL.Native;
using CudaDriver = DafL.Native.Cuda;

namespace DafL.Backends.Cuda;

/// <summary>
/// The libraries the CUDA backend needs (the driver, cuBLAS, cuDNN, NVRTC) and device 0, as this process finds
/// them: one list of parts, which the backend checks before it starts (<see cref="Missing"/>) and <c>dafl doctor</c>
/// reports with versions (<see cref="Probe"/>).
/// </summary>
public static class CudaStack
{
    /// <summary>One library: whether it loaded, why not, and its version (read only when it loaded).</summary>
    sealed record Part(string Name, Func<bool> IsAvailable, Func<string> Reason, Func<string> Version, bool VersionNeedsDriver = false);

    static readonly Part[] Parts =
    [
        new("CUDA", () => CudaDriver.IsAvailable, () => CudaDriver.UnavailableReason,
            () => $"{Dotted(CudaDriver.DriverVersion / 1000, CudaDriver.DriverVersion % 1000 / 10)} (CUDA API), {CudaDriver.DeviceCount} device(s)"),
        new("cuBLAS", () => Cublas.IsAvailable, () => Cublas.UnavailableReason, CublasVersion, VersionNeedsDriver: true),
        new("cuDNN", () => Cudnn.IsAvailable, () => Cudnn.UnavailableReason,
            () => Dotted(Cudnn.Version / 10000, Cudnn.Version % 10000 / 100, Cudnn.Version % 100)),
        new("NVRTC", () => Nvrtc.IsAvailable, () => Nvrtc.UnavailableReason, () =>
        {
            var (major, minor) = Nvrtc.Version;
            return $"{Dotted(major, minor)}, architectures {string.Join(' ', Nvrtc.SupportedArchitectures.Select(a => $"sm_{a}"))}";
        }),
    ];

    /// <summary>Every library that did not load, as "name: reason" joined by " | "; null when all did.</summary>
    public static string? Missing()
    {
        var missing = Parts.Where(p => !p.IsAvailable()).Select(p => $"{p.Name}: {p.Reason()}").ToList();
        return missing.Count == 0 ? null : string.Join(" | ", missing);
    }

    /// <summary>Each library with its version or why it is missing, then device 0; a failure becomes a reason, never an exception.</summary>
    public static IReadOnlyList<BackendFact> Probe() => [.. Parts.Select(Fact), DeviceZero()];

    static BackendFact Fact(Part part)
    {
        try
        {
            if (!part.IsAvailable()) return new BackendFact(part.Name, false, part.Reason());
            // cuBLAS reports its version only through a handle, which needs a context on a device.
            if (part.VersionNeedsDriver && !CudaDriver.IsAvailable)
                return new BackendFact(part.Name, false, $"needs the CUDA driver: {CudaDriver.UnavailableReason}");
            return new BackendFact(part.Name, true, part.Version());
        }
        catch (Exception e)
        {
            return new BackendFact(part.Name, false, $"{e.GetType().Name}: {e.Message}");
        }
    }

    static BackendFact DeviceZero()
    {
        const string name = "device 0";
        if (!CudaDriver.IsAvailable) return new BackendFact(name, false, "no CUDA driver");
        try
        {
            var d = CudaDevice.Get(0);
            return new BackendFact(name, true,
                $"{d.Name}, {d.Architecture}, {d.MultiprocessorCount} SMs, {(d.TotalMemoryBytes / (1024.0 * 1024 * 1024)).ToString("F1", CultureInfo.InvariantCulture)} GiB");
        }
        catch (Exception e)
        {
            return new BackendFact(name, false, $"{e.GetType().Name}: {e.Message}");
        }
    }

    static string CublasVersion()
    {
        using var context = CudaContext.RetainPrimary(CudaDevice.Get(0));
        using var handle = CublasHandle.Create(context);
        int v = handle.Version;
        return Dotted(v / 10000, v % 10000 / 100, v % 100);
    }

    static string Dotted(params int[] parts) => string.Join('.', parts.Select(p => p.ToString(CultureInfo.InvariantCulture)));
}
