using System.Globalization;

namespace DafL.Training;

/// <summary>
/// The finite numbers a setting accepts, between <see cref="Min"/> and <see cref="Max"/>, each bound included or
/// not. <see cref="What"/> names the kind of number ("a learning rate"); <see cref="Expected"/> is the phrase every
/// error about it uses: "a learning rate, a number in (0, 10]". NaN and infinities are never in a range.
/// </summary>
public sealed record RealRange(string What, double Min, bool MinIncluded, double Max, bool MaxIncluded)
{
    public bool Contains(float value) =>
        float.IsFinite(value) && (MinIncluded ? value >= Min : value > Min) && (MaxIncluded ? value <= Max : value < Max);

    public string Expected =>
        $"{What}, a number in {(MinIncluded ? "[" : "(")}{Text(Min)}, {Text(Max)}{(MaxIncluded ? "]" : ")")}";

    static string Text(double value) => value.ToString("0.########", CultureInfo.InvariantCulture);
}
