using System.Globalization;
using DafL.Errors;

namespace DafL.Training;

/// <summary>
/// Collects the problems of a run's settings, each named by its command-line option with what was expected, and
/// reports them all in one error (a user fixes every one in one go, not one per attempt).
/// </summary>
public sealed class SettingChecks(string what)
{
    readonly List<InputProblem> _problems = [];

    public SettingChecks Require(bool ok, string option, string expected, object value)
    {
        if (!ok) _problems.Add(new InputProblem(option, "", expected, Convert.ToString(value, CultureInfo.InvariantCulture) ?? "nothing"));
        return this;
    }

    public static bool Positive(float v) => float.IsFinite(v) && v > 0;
    public static bool NonNegative(float v) => float.IsFinite(v) && v >= 0;

    /// <summary>Throws <see cref="InputException"/> listing every problem found, if any.</summary>
    public void ThrowIfAny()
    {
        if (_problems.Count > 0) throw new InputException(_problems, $"(checking the {what})");
    }
}
