namespace DafL.Errors;

/// <summary>
/// A failure caused by the user's input — a file, an option, a setting — never by a bug: the CLI prints its message
/// as one line and exits with its bad-input code. The message is the problems joined, each "source: field: expected
/// X, found Y", then an optional hint (how to fetch a dataset, which option to change).
/// </summary>
public class InputException : Exception
{
    public IReadOnlyList<InputProblem> Problems { get; }
    public string? Hint { get; }

    public InputException(string source, string field, string expected, string found, string? hint = null, Exception? inner = null)
        : this([new InputProblem(source, field, expected, found)], hint, inner)
    {
    }

    public InputException(IReadOnlyList<InputProblem> problems, string? hint = null, Exception? inner = null)
        : base(Format(problems, hint), inner)
    {
        if (problems.Count == 0) throw new ArgumentException("An input error needs at least one problem.", nameof(problems));
        Problems = problems;
        Hint = hint;
    }

    /// <summary>The first problem (the only one for most errors).</summary>
    public InputProblem Problem => Problems[0];

    static string Format(IReadOnlyList<InputProblem> problems, string? hint) =>
        string.Join("; ", problems) + "." + (string.IsNullOrEmpty(hint) ? "" : " " + hint);
}
