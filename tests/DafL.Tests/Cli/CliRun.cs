using DafL.Cli;
using Spectre.Console;

namespace DafL.Tests.Cli;

/// <summary>What one in-process command line did: its exit code, the lines it wrote as errors, and its console output.</summary>
public sealed record CliOutcome(int ExitCode, string[] ErrorLines, string Output);

/// <summary>
/// Runs a command line in this process through <see cref="Program.Run"/>, as the user would type it, with the
/// command's console output (Spectre's <see cref="AnsiConsole"/>, which is process-wide) captured and then restored.
/// </summary>
public static class CliRun
{
    public static CliOutcome Run(params string[] args)
    {
        var previous = AnsiConsole.Console;
        var output = new StringWriter();
        var errors = new StringWriter();
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        try
        {
            int code = Program.Run(args, errors);
            var lines = errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
            return new CliOutcome(code, lines, output.ToString());
        }
        finally
        {
            AnsiConsole.Console = previous;
        }
    }
}
