namespace DafL.Backends.Conformance;

/// <summary>
/// How far a candidate may be from the reference: the largest |candidate − reference| over the largest |reference|
/// of an output (its scale), and why that much. This is the one tolerance table of the conformance suite
/// (<see cref="ParityCases"/>), which <c>dafl doctor</c> runs on a GPU and NUnit runs on the mock GPU.
/// </summary>
public sealed record ParityTolerance(double Relative, string Why)
{
    /// <summary>Data movement, one rounding, or integer results: any difference is a bug.</summary>
    public static ParityTolerance Exact { get; } = new(0, "bit-exact: data movement, one rounding or an index");

    /// <summary>
    /// The optimizers: their contract (IBackend.Optim.cs) names every operation and rounding, PyTorch's, so there is
    /// one right answer although each element takes several roundings.
    /// </summary>
    public static ParityTolerance PyTorchRoundings { get; } = new(0, "bit-exact: the contract names every operation and rounding (PyTorch's)");

    /// <summary>
    /// The weight gradient of a convolution is deterministic by contract (IBackend.Conv.cs): two calls on the same
    /// inputs give the same bits, whatever the device's scheduling (applied to the count of elements that differ).
    /// </summary>
    public static ParityTolerance Deterministic { get; } = new(0, "bit-exact repeat: the contract's determinism");

    /// <summary>
    /// Elementwise formulas with several roundings or a libm function (expf, tanhf, logf), whose last bit may differ
    /// between the CPU's and the device's math library.
    /// </summary>
    public static ParityTolerance Elementwise { get; } = new(1e-6, "a few ulp: several roundings or a math-library function");

    /// <summary>Sums in float32 whose order differs between backends (reductions, softmax, losses, batch norm).</summary>
    public static ParityTolerance Fp32 { get; } = new(1e-4, "fp32 sums in another order");

    /// <summary>Matrix products and convolutions in fp32 (TF32 tensor cores round inputs to 10 mantissa bits).</summary>
    public static ParityTolerance Matrix(bool tf32) => tf32 ? new(1e-3, "TF32 tensor cores (10-bit mantissa inputs)") : Fp32;
}
