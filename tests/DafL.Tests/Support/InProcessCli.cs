using DafL.Cli;
using Spectre.Console;

namespace DafL.Tests.Support;

/// <summary>
/// Runs <c>dafl</c> command lines in this process through <see cref="Program.Run"/>, with what they print captured:
/// the command's output (Spectre's console, plain and unwrapped) and the error stream. An exception that escapes
/// <see cref="Program.Run"/> — which must never happen — is returned as exit code <see cref="Escaped"/>.
/// Not thread-safe: the console is process-wide, so tests that use it run one at a time.
/// </summary>
public static class InProcessCli
{
    public const int Escaped = -1;

    public readonly record struct Result(int ExitCode, string Output, string Errors)
    {
        /// <summary>The error stream's lines, without empty ones.</summary>
        public string[] ErrorLines => Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        public override string ToString() => $"exit {ExitCode}; errors: {Errors.Trim()}; output: {Output.Trim()}";
    }

    public static Result Run(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var previous = AnsiConsole.Console;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 10_000; // a line is a line: no wrapping to compare or classify
        AnsiConsole.Console = console;
        try
        {
            int code = Program.Run(args, errors);
            return new Result(code, output.ToString(), errors.ToString());
        }
        catch (Exception e)
        {
            return new Result(Escaped, output.ToString(), errors + $"escaped Program.Run: {e}");
        }
        finally
        {
            AnsiConsole.Console = previous;
        }
    }
}
