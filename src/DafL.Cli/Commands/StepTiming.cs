using System.Text.Json.Serialization;

namespace DafL.Cli.Commands;

/// <summary>
/// What <c>dafl profile</c> measured of one DAFL step, as <c>--json</c> prints it for scripts (tools/bench-step.sh
/// puts it beside the PyTorch reference's step, which prints the same fields).
/// </summary>
/// <param name="StepMs">Mean wall time of one step over the timed steps, after the warm-up.</param>
/// <param name="MinStepMs">The fastest of the timed steps.</param>
/// <param name="Gflop">Dense work of one step (convolutions and matrix products, <see cref="Backends.Dispatch.KernelFlops"/>).</param>
/// <param name="Gflops">Gflop per mean step time.</param>
/// <param name="PeakGflops">The fp32 FMA peak of <paramref name="Threads"/> threads, measured in this process just before the
/// steps; 0 on a GPU, where it is not measured.</param>
/// <param name="SystemAllocationsPerStep">Buffers the pool had to take from the system per timed step (0 in a steady state).</param>
/// <param name="RentalsPerStep">Pool rentals per timed step, served from its cache or not.</param>
/// <param name="ManagedKibPerStep">Managed heap KiB allocated per timed step, on all threads.</param>
public sealed record StepTiming(string Preset, int Batch, int GeneratorWidth, string Device, int Threads, int Warmup, int Steps,
    double StepMs, double MinStepMs, double Gflop, double Gflops, double PeakGflops, double SystemAllocationsPerStep,
    double RentalsPerStep, double ManagedKibPerStep)
{
    /// <summary>Gflops as a fraction of the peak (0 when there is none).</summary>
    public double PeakFraction => PeakGflops > 0 ? Gflops / PeakGflops : 0;
}

/// <summary>Source-generated JSON for <see cref="StepTiming"/>, snake_case like the reference script's logs.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(StepTiming))]
public sealed partial class StepTimingJson : JsonSerializerContext;
