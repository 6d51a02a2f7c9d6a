using DafL.Backends;

namespace DafL.Training;

/// <summary>
/// Turns a requested device ("cpu", "cuda" or "auto", any case) into the device a run uses. "auto" takes CUDA when
/// its backend starts and otherwise the CPU, with a <see cref="Note"/> saying why; "cuda" without a working backend
/// is an error that carries the reason. The CUDA backend is probed (and created) at most once per process.
/// </summary>
public sealed record DeviceChoice(Device Device, string? Note)
{
    public static readonly string[] Names = ["cpu", "cuda", "auto"];

    /// <summary>A device as the option spells it ("cpu", "cuda").</summary>
    public static string NameOf(Device device) => device.ToString().ToLowerInvariant();

    public static DeviceChoice Resolve(string request)
    {
        switch (request.ToLowerInvariant())
        {
            case "cpu":
                return new DeviceChoice(Device.Cpu, null);
            case "cuda":
                if (Backend.TryCuda(out _, out var reason)) return new DeviceChoice(Device.Cuda, null);
                throw new InvalidOperationException($"device 'cuda' was asked for, but CUDA is not available: {reason}");
            case "auto":
                return Backend.TryCuda(out _, out var why)
                    ? new DeviceChoice(Device.Cuda, null)
                    : new DeviceChoice(Device.Cpu, $"CUDA is not available: {why.TrimEnd('.')}; running on the CPU.");
            default:
                throw new ArgumentException($"Unknown device '{request}'; expected one of: {string.Join(", ", Names)}.");
        }
    }
}
