using System.Text.Json.Serialization;
using DafL.Backends.Conformance;
using DafL.Training.Diagnostics;

namespace DafL.Cli.Doctor;

/// <summary>The CUDA backend as <see cref="Backends.Backend.TryCuda"/> found it, and what the parity run compared.</summary>
/// <param name="Candidate">The backend checked against the CPU ("cuda", or "cpu" for a check of the harness itself); empty when none ran.</param>
/// <param name="Reason">Why CUDA is not available; empty when it is.</param>
public sealed record BackendFact(bool CudaAvailable, string Reason, string Candidate, bool Tf32, int Batch);

/// <summary>
/// Everything <c>dafl doctor</c> found, as printed and as written by <c>--json</c>. The file is rewritten after each
/// stage, so a doctor that is killed (a time limit on a lent GPU) leaves what it had found.
/// </summary>
/// <param name="Stage">The last stage finished: "facts", "parity", then "done".</param>
/// <param name="StepNote">Why the DAFL steps were not compared; empty when they were.</param>
/// <param name="Passed">Every parity row and every step within tolerance, and the backend asked for started.</param>
public sealed record DoctorReport(string Stage, HostFacts Host, GpuFacts Gpu, BackendFact Backend, IReadOnlyList<ParityRow> Parity,
    IReadOnlyList<StepComparisonRow> Steps, string StepNote, bool Passed);

/// <summary>Source-generated JSON for the report (no reflection, so it survives a trimmed publish); ∞ and NaN as strings.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(DoctorReport))]
public sealed partial class DoctorJson : JsonSerializerContext;
