using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DafL.Cli.Doctor;

/// <summary>The machine the CPU backend runs on: runtime, operating system, processor and its vector width.</summary>
public sealed record HostFacts(string Runtime, string OperatingSystem, string Architecture, string Processor, int LogicalCores,
    bool Avx512, bool Avx2)
{
    public static HostFacts Probe() => new(
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription,
        RuntimeInformation.ProcessArchitecture.ToString(),
        ProcessorName(),
        Environment.ProcessorCount,
        Vector512.IsHardwareAccelerated,
        Vector256.IsHardwareAccelerated);

    /// <summary>The model name from /proc/cpuinfo on Linux; the architecture elsewhere.</summary>
    static string ProcessorName()
    {
        const string cpuInfo = "/proc/cpuinfo";
        if (!File.Exists(cpuInfo)) return RuntimeInformation.ProcessArchitecture.ToString();
        var line = File.ReadLines(cpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line?[(line.IndexOf(':') + 1)..].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
    }
}
