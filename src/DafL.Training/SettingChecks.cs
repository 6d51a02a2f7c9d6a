using System.Globalization;
using DafL.Errors;

namespace DafL.Training;

/// <summary>
/// Collects the problems of a run's settings and reports them all in one error (a user fixes every one in one go,
/// not one per attempt). Each problem names a setting by its key (<see cref="SettingName"/>): with a
/// <paramref name="file"/> (a run's config.json), as that file's field, in an <see cref="InputException"/>; without,
/// as the problem's source, in a <see cref="SettingException"/> that a front end renames to where its user set the
/// value (the CLI: its option).
/// </summary>
public sealed class SettingChecks(Type config, string what, string? file)
{
    readonly List<InputProblem> _problems = [];

    /// <summary>
    /// Adds a problem unless <paramref name="ok"/>: <paramref name="property"/> is the config's property name. A null
    /// <paramref name="value"/> is a JSON null that a config read from a file may hold where the type allows none.
    /// </summary>
    public SettingChecks Require(bool ok, string property, string expected, object? value)
    {
        if (ok) return this;
        string key = SettingName.Of(property).Key;
        string found = value == null ? "null" : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null";
        _problems.Add(file != null ? new InputProblem(file, key, expected, found) : new InputProblem(key, "", expected, found));
        return this;
    }

    public SettingChecks InRange(WholeRange range, long value, string property) =>
        Require(range.Contains(value), property, range.Expected, value);

    public SettingChecks InRange(RealRange range, float value, string property) =>
        Require(range.Contains(value), property, range.Expected, value);

    /// <summary>Every one of <paramref name="values"/> in <paramref name="range"/> (a list of epochs).</summary>
    public SettingChecks EachInRange(WholeRange range, int[]? values, string property) =>
        Require(values != null && values.All(v => range.Contains(v)), property, range.ExpectedEach, values == null ? null : string.Join(" ", values));

    public SettingChecks OneOf(IReadOnlyCollection<string> allowed, string? value, string property) =>
        Require(value != null && allowed.Contains(value), property, $"one of {string.Join(", ", allowed)}", value);

    /// <summary>Throws an error listing every problem found, if any.</summary>
    public void ThrowIfAny()
    {
        if (_problems.Count == 0) return;
        string hint = $"(checking the {what})";
        throw file != null ? new InputException(_problems, hint) : new SettingException(config, _problems, $"{hint}");
    }
}
