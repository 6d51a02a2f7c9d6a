using System.Globalization;
using DafL.Errors;

namespace DafL.Training;

/// <summary>
/// An input error about the settings of a <see cref="Config"/>, naming each setting by its key (<see cref="SettingName"/>):
/// a problem without a field is a setting given in code or on a command line, its source the setting's key; a
/// problem with one names a file and its key, as read. A hint may name settings too. A front end that sets the
/// settings another way turns this into the same error in its own names with <see cref="NamedBy"/>, so that the user
/// reads the name they typed (the CLI: <c>--batch</c> for batch_size).
/// </summary>
public sealed class SettingException : InputException
{
    readonly FormattableString? _hint;

    /// <summary>The config type whose settings the problems name.</summary>
    public Type Config { get; }

    /// <summary>
    /// <paramref name="hint"/> names settings as <see cref="SettingName"/> arguments: they read as their keys here
    /// and are renamed by <see cref="NamedBy"/>.
    /// </summary>
    public SettingException(Type config, IReadOnlyList<InputProblem> problems, FormattableString? hint = null)
        : base(problems, hint == null ? null : FormattableString.Invariant(hint))
    {
        Config = config;
        _hint = hint;
    }

    /// <summary>This error with each setting named by <paramref name="nameOf"/> (a key to a name, or null to keep the key).</summary>
    public InputException NamedBy(Func<string, string?> nameOf)
    {
        string Name(string key) => nameOf(key) ?? key;
        var problems = Problems.Select(p => p.Field.Length == 0 ? p with { Source = Name(p.Source) } : p).ToList();
        string? hint = _hint == null ? null : string.Format(CultureInfo.InvariantCulture, _hint.Format,
            _hint.GetArguments().Select(a => a is SettingName s ? Name(s.Key) : a).ToArray());
        return new InputException(problems, hint, this);
    }
}
