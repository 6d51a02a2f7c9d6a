using System.Globalization;
using System.Text.Json;
using DafL.Errors;

namespace DafL.Training;

/// <summary>
/// Collects the problems of a run's settings and reports them all in one error (a user fixes every one in one go,
/// not one per attempt). Each problem is named where the user can fix it: with a <paramref name="file"/> (a run's
/// config.json), by the file and the setting's JSON key (the snake_case of the property, as the config is written);
/// without, by its command-line option, or by its key when no option sets it.
/// </summary>
public sealed class SettingChecks(string what, string? file)
{
    readonly List<InputProblem> _problems = [];

    /// <summary>
    /// Adds a problem unless <paramref name="ok"/>: <paramref name="property"/> is the config's property name. A null
    /// <paramref name="value"/> is a JSON null that a config read from a file may hold where the type allows none.
    /// </summary>
    public SettingChecks Require(bool ok, string? option, string property, string expected, object? value)
    {
        if (ok) return this;
        string key = JsonNamingPolicy.SnakeCaseLower.ConvertName(property);
        string found = value == null ? "null" : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null";
        _problems.Add(file != null ? new InputProblem(file, key, expected, found) : new InputProblem(option ?? key, "", expected, found));
        return this;
    }

    public SettingChecks InRange(WholeRange range, long value, string? option, string property) =>
        Require(range.Contains(value), option, property, range.Expected, value);

    public SettingChecks InRange(RealRange range, float value, string? option, string property) =>
        Require(range.Contains(value), option, property, range.Expected, value);

    /// <summary>Every one of <paramref name="values"/> in <paramref name="range"/> (a list of epochs).</summary>
    public SettingChecks EachInRange(WholeRange range, int[]? values, string? option, string property) =>
        Require(values != null && values.All(v => range.Contains(v)), option, property, range.ExpectedEach, values == null ? null : string.Join(" ", values));

    public SettingChecks OneOf(IReadOnlyCollection<string> allowed, string? value, string? option, string property) =>
        Require(value != null && allowed.Contains(value), option, property, $"one of {string.Join(", ", allowed)}", value);

    /// <summary>Throws <see cref="InputException"/> listing every problem found, if any.</summary>
    public void ThrowIfAny()
    {
        if (_problems.Count > 0) throw new InputException(_problems, $"(checking the {what})");
    }
}
