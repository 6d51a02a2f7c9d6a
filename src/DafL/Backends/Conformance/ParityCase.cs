namespace DafL.Backends.Conformance;

/// <summary>
/// One call of an <see cref="Backends.IBackend"/> method: <see cref="Body"/> builds its inputs through the
/// <see cref="OpRun"/> it is given, calls the method on <see cref="OpRun.B"/> and reads the outputs. It runs once per
/// side with the same seed, so both sides see the same inputs. A fused op gives <see cref="Reference"/>: the
/// unfused composition it must equal, which the reference side runs instead of <see cref="Body"/> (drawing the same
/// inputs and reading the same outputs), so every backend's fused kernel is checked against the ops it replaces.
/// </summary>
public sealed record ParityCase(string Method, string Case, string Shape, ParityTolerance Tolerance, Action<OpRun> Body,
    Action<OpRun>? Reference = null);
