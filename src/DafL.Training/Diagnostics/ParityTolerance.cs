namespace DafL.Training.Diagnostics;

/// <summary>
/// How far a candidate may be from the reference: the largest |candidate − reference| over the largest |reference|
/// of an output (its scale), and why that much.
/// </summary>
public sealed record ParityTolerance(double Relative, string Why)
{
    /// <summary>Data movement, one rounding, or integer results: any difference is a bug.</summary>
    public static ParityTolerance Exact { get; } = new(0, "bit-exact: data movement, one rounding or an index");

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
