namespace DafL.Tests.Support;

/// <summary>An elementwise tolerance, |ours − PyTorch's| ≤ Atol + Rtol·|PyTorch's|, and why it is that large.</summary>
public readonly record struct Tolerance(double Atol, double Rtol, string Why)
{
    /// <summary>Bit-for-bit equality, for results both libraries compute with the same single rounding (or none).</summary>
    public static Tolerance Exact(string why) => new(0, 0, why);
}
