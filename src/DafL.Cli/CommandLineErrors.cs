using System.CommandLine;
using System.CommandLine.Parsing;
using DafL.Cli.Options;
using DafL.Errors;

namespace DafL.Cli;

/// <summary>
/// Turns a command line that does not parse into one <see cref="InputException"/>, in the words of every other
/// error: the option (or "command line"), what was expected, what was found. It reads the parse's structure (which
/// option, which tokens, which command), never System.CommandLine's own messages, which name .NET types
/// ("System.Nullable`1[System.Int32]"). When several things are wrong, the first value error is reported, then an
/// unknown word, then a missing required option or argument, then a missing command: the most specific first.
/// </summary>
public static class CommandLineErrors
{
    const string CommandLine = "command line";

    /// <summary>The error of <paramref name="parsed"/>, or null when it parsed.</summary>
    public static InputException? Find(ParseResult parsed)
    {
        if (parsed.Errors.Count == 0) return null;
        var options = parsed.Errors.Select(e => e.SymbolResult).OfType<OptionResult>().ToArray();
        var problem = options.Where(o => o.IdentifierTokenCount > 0).Select(ValueProblem).FirstOrDefault(p => p != null)
            ?? parsed.UnmatchedTokens.Select(token => Unknown(parsed.CommandResult.Command, token)).FirstOrDefault()
            ?? options.Where(o => o.IdentifierTokenCount == 0 && o.Option.Required).Select(Missing).FirstOrDefault()
            ?? parsed.CommandResult.Command.Arguments.Where(a => (parsed.GetResult(a)?.Tokens.Count ?? 0) < a.Arity.MinimumNumberOfValues)
                .Select(a => MissingArgument(parsed.CommandResult.Command, a)).FirstOrDefault()
            ?? (parsed.CommandResult.Command.Subcommands.Count > 0 ? NoCommand(parsed.CommandResult.Command) : null)
            ?? Unforeseen(parsed.Errors[0]);
        return new InputException([problem]);
    }

    /// <summary>What is wrong with the values given to an option: too few, too many, or one its reader refuses.</summary>
    static InputProblem? ValueProblem(OptionResult given)
    {
        var option = given.Option;
        var tokens = given.Tokens.Select(t => t.Value).ToArray();
        var arity = option.Arity;
        if (tokens.Length < arity.MinimumNumberOfValues) return new InputProblem(option.Name, "", "a value", "none");
        if (tokens.Length > arity.MaximumNumberOfValues)
            return new InputProblem(option.Name, "", arity.MaximumNumberOfValues == 1 ? "one value" : $"at most {arity.MaximumNumberOfValues} values", tokens.Length.ToString());
        return option is ICheckedOption reader
            ? reader.ProblemWith(tokens)
            : new InputProblem(option.Name, "", $"a value `{option.Name}` accepts (see --help)", string.Join(" ", tokens.Select(FoundToken.Describe)));
    }

    static InputProblem Unknown(Command command, string token) =>
        new(CommandLine, $"'{token}'", command.Subcommands.Count > 0 ? $"a command of dafl ({Names(command)}; see dafl --help)" : $"an option of `{Spelled(command)}` (see {Spelled(command)} --help)",
            token.StartsWith('-') ? "an unknown option" : "an unknown word");

    static InputProblem Missing(OptionResult absent) => new(absent.Option.Name, "", "a value (required)", "none");

    static InputProblem MissingArgument(Command command, Argument absent) => new(absent.Name, "",
        $"{(absent.Arity.MinimumNumberOfValues == 1 ? "a value" : $"at least {absent.Arity.MinimumNumberOfValues} values")} (required, in this place; see {Spelled(command)} --help)", "none");

    static InputProblem NoCommand(Command root) => new(CommandLine, "", $"a command ({Names(root)}; see dafl --help)", "none");

    /// <summary>A parse error none of the above explains: still one line, with System.CommandLine's words as what was found.</summary>
    static InputProblem Unforeseen(ParseError error) =>
        new(error.SymbolResult is OptionResult o ? o.Option.Name : CommandLine, "", "a command line `dafl --help` describes", error.Message);

    static string Names(Command command) => string.Join(", ", command.Subcommands.Select(c => c.Name));

    /// <summary>How the user types <paramref name="command"/>: the root's own name is the host process's, so it is spelled "dafl".</summary>
    static string Spelled(Command command) => command is RootCommand ? "dafl" : $"dafl {command.Name}";
}
