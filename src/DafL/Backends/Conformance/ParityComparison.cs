namespace DafL.Backends.Conformance;

/// <summary>The distance between a candidate's output and the reference's.</summary>
public readonly record struct ParityError(double MaxAbs, double Relative)
{
    /// <summary>
    /// max |c − r| and that over max |r| (the output's scale; the absolute error when the reference is all zero).
    /// NaN in both at the same place counts as equal; NaN or ±∞ on one side only, or a length mismatch, is infinitely far.
    /// </summary>
    public static ParityError Of(ReadOnlySpan<float> candidate, ReadOnlySpan<float> reference)
    {
        if (candidate.Length != reference.Length) return new(double.PositiveInfinity, double.PositiveInfinity);
        double maxAbs = 0, scale = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            float r = reference[i], c = candidate[i];
            if (float.IsFinite(r)) scale = Math.Max(scale, Math.Abs(r));
            double difference = float.IsFinite(r) && float.IsFinite(c) ? Math.Abs((double)c - r)
                : r.Equals(c) ? 0 : double.PositiveInfinity; // Equals: NaN equals NaN, ∞ equals ∞ of the same sign
            maxAbs = Math.Max(maxAbs, difference);
        }
        return new(maxAbs, scale > 0 ? maxAbs / scale : maxAbs);
    }
}
