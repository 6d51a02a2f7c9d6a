using DafL.Backends;

namespace DafL.Training;

/// <summary>
/// Turns a requested device ("cpu", "cuda", another registered backend's name, or "auto"; any case) into the device a
/// run uses, through <see cref="Backend"/>'s registry. "auto" takes the first backend other than the CPU that starts
/// and otherwise the CPU, with a <see cref="Note"/> saying why; a named backend that does not start is an error that
/// carries the reason. Each backend is probed (and created) at most once per process.
/// </summary>
public sealed record DeviceChoice(Device Device, string? Note)
{
    /// <summary>The device words run configs and <c>--device</c> have always taken, registered or not.</summary>
    static readonly string[] Standard = [Device.Cpu.Name, "cuda"];

    /// <summary>Every device a run may name: the standard ones, then any other registered backend.</summary>
    public static IReadOnlyList<string> Devices => [.. Standard.Union(Backend.Registered)];

    /// <summary>What <c>--device</c> takes: <see cref="Devices"/> and "auto".</summary>
    public static IReadOnlyList<string> Names => [.. Devices, "auto"];

    /// <summary>What a config's device may be, as errors say it.</summary>
    public static string Described => $"one of {string.Join(", ", Devices)}";

    /// <summary>A device as the option spells it ("cpu", "cuda").</summary>
    public static string NameOf(Device device) => device.Name;

    /// <summary>The device one of <see cref="Devices"/> names, in any case; null for any other word.</summary>
    public static Device? Named(string word) =>
        Devices.FirstOrDefault(d => string.Equals(d, word, StringComparison.OrdinalIgnoreCase)) is { } name ? new Device(name) : null;

    public static DeviceChoice Resolve(string request)
    {
        if (string.Equals(request, "auto", StringComparison.OrdinalIgnoreCase)) return Auto();
        var device = Named(request) ?? throw new ArgumentException($"Unknown device '{request}'; expected one of: {string.Join(", ", Names)}.");
        if (Backend.TryGet(device, out _, out var reason)) return new DeviceChoice(device, null);
        throw new InvalidOperationException($"device '{device.Name}' was asked for, but {Spelled(device)} is not available: {reason}");
    }

    /// <summary>The first device besides the CPU whose backend starts; else the CPU, with each one's reason.</summary>
    static DeviceChoice Auto()
    {
        var reasons = new List<string>();
        foreach (var device in Devices.Select(name => new Device(name)).Where(d => !d.IsCpu))
        {
            if (Backend.TryGet(device, out _, out var why)) return new DeviceChoice(device, null);
            reasons.Add($"{Spelled(device)} is not available: {why.TrimEnd('.')}");
        }
        return new DeviceChoice(Device.Cpu, $"{string.Join("; ", reasons)}; running on the CPU.");
    }

    /// <summary>A device in prose, as a product is written ("CUDA").</summary>
    static string Spelled(Device device) => device.Name.ToUpperInvariant();
}
