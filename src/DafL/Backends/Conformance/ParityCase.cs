namespace DafL.Backends.Conformance;

/// <summary>
/// One call of an <see cref="Backends.IBackend"/> method: <see cref="Body"/> builds its inputs through the
/// <see cref="OpRun"/> it is given, calls the method on <see cref="OpRun.B"/> and reads the outputs. It runs once per
/// side with the same seed, so both sides see the same inputs.
/// </summary>
public sealed record ParityCase(string Method, string Case, string Shape, ParityTolerance Tolerance, Action<OpRun> Body);
