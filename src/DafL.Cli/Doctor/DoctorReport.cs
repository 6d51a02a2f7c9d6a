using System.Text.Json.Serialization;
using DafL.Backends;
using DafL.Backends.Conformance;
using DafL.Training.Diagnostics;

namespace DafL.Cli.Doctor;

/// <summary>One registered backend as <c>dafl doctor</c> found it: what its parts are (<see cref="Backend.Facts"/>) and whether it starts.</summary>
/// <param name="Name">The device name it is registered under ("cpu", "cuda").</param>
/// <param name="Reason">Why it does not start; empty when it does.</param>
public sealed record BackendReport(string Name, bool Starts, string Reason, IReadOnlyList<BackendFact> Facts)
{
    /// <summary>Probes <paramref name="device"/>'s parts, then starts its backend (at most once per process, as every use does).</summary>
    public static BackendReport Of(Device device)
    {
        var facts = Backend.Facts(device);
        bool starts = Backend.TryGet(device, out _, out string reason);
        return new BackendReport(device.Name, starts, reason, facts);
    }
}

/// <summary>What the parity run compared with the CPU.</summary>
/// <param name="Asked">--device as given: a backend's name, "auto" or "cpu".</param>
/// <param name="Candidate">The backend checked against the CPU ("cuda", or "cpu" for a check of the harness itself); empty when none ran.</param>
/// <param name="Reason">Why no backend was checked; empty when one was.</param>
public sealed record ParityCheck(string Asked, string Candidate, string Reason, bool Tf32, int Batch);

/// <summary>
/// Everything <c>dafl doctor</c> found, as printed and as written by <c>--json</c>. The file is rewritten after each
/// stage, so a doctor that is killed (a time limit on a lent GPU) leaves what it had found.
/// </summary>
/// <param name="Stage">The last stage finished: "facts", "parity", then "done".</param>
/// <param name="Backends">Every registered backend, the CPU first.</param>
/// <param name="StepNote">Why the DAFL steps were not compared; empty when they were.</param>
/// <param name="Passed">Every parity row and every step within tolerance, and the backend asked for started.</param>
public sealed record DoctorReport(string Stage, HostFacts Host, IReadOnlyList<BackendReport> Backends, ParityCheck Check,
    IReadOnlyList<ParityRow> Parity, IReadOnlyList<StepComparisonRow> Steps, string StepNote, bool Passed);

/// <summary>Source-generated JSON for the report (no reflection, so it survives a trimmed publish); ∞ and NaN as strings.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(DoctorReport))]
public sealed partial class DoctorJson : JsonSerializerContext;
