namespace DafL.Backends.Conformance;

/// <summary>
/// The outcome of one parity case: an <see cref="Backends.IBackend"/> method run on both backends with the same
/// inputs. <see cref="MaxAbsError"/> and <see cref="RelativeError"/> are the worst over the case's outputs;
/// <see cref="RelativeError"/> is max |candidate − reference| over max |reference| of that output.
/// </summary>
/// <param name="Method">The IBackend method the case checks.</param>
/// <param name="Case">What is special about this call (flags, layer it mirrors).</param>
/// <param name="Shape">The main input's shape and the key arguments.</param>
/// <param name="Note">The worst output's name, or why the case failed to run.</param>
public sealed record ParityRow(string Method, string Case, string Shape, double MaxAbsError, double RelativeError,
    double Tolerance, bool Pass, string Note);
