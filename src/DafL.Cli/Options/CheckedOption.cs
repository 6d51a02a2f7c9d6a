using System.CommandLine;
using DafL.Errors;

namespace DafL.Cli.Options;

/// <summary>An option that reads its own values, so that a bad one is reported as our one line, not System.CommandLine's.</summary>
public interface ICheckedOption
{
    /// <summary>What is wrong with <paramref name="tokens"/> as this option's values, or null when they read well.</summary>
    InputProblem? ProblemWith(IReadOnlyList<string> tokens);
}

/// <summary>
/// An option whose values are read by <paramref name="read"/>: the value of the tokens given, or the problem with
/// them ("--batch: expected a whole number from 2 to 65536, found 2147483647"). The problem fails the parse, and
/// <see cref="CommandLineErrors"/> reports it as it is.
/// </summary>
public sealed class CheckedOption<T> : Option<T>, ICheckedOption
{
    readonly Func<IReadOnlyList<string>, (T? Value, InputProblem? Problem)> _read;

    public CheckedOption(string name, Func<IReadOnlyList<string>, (T? Value, InputProblem? Problem)> read) : base(name)
    {
        _read = read;
        CustomParser = result =>
        {
            var (value, problem) = _read(result.Tokens.Select(t => t.Value).ToArray());
            if (problem != null) result.AddError(problem.ToString());
            return value;
        };
    }

    public InputProblem? ProblemWith(IReadOnlyList<string> tokens) => _read(tokens).Problem;
}
