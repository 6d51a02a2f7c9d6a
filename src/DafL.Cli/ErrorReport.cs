using DafL.Cli.Commands;
using DafL.Cli.Options;
using DafL.Errors;
using DafL.Training;

namespace DafL.Cli;

/// <summary>
/// The CLI's one error path: every exception that leaves a command becomes one line on the error stream and an exit
/// code (<see cref="ExitCodes"/>). Bad input and failed runs print their message; anything else is a bug and says so.
/// The stack trace is printed only with --verbose. Plain text: a log or a script reads it, and it must never wrap.
/// </summary>
public static class ErrorReport
{
    public const string ReportHow =
        "this is a bug in DafL.Native, not in your input: please report it with the command line, the output of `dafl doctor`, " +
        "and this error rerun with --verbose";

    /// <summary>The exit code for <paramref name="error"/>, after writing its line (and, when <paramref name="verbose"/>, the trace).</summary>
    public static int Write(Exception error, bool verbose, TextWriter errors)
    {
        // Training names a setting by its key; the user set it with an option, and reads that option's name.
        if (error is SettingException settings) error = SettingOptions.Named(settings);
        // Training says how to resume in its own words; the user resumes with an option.
        if (error is ResumableRunException resumable) error = resumable.ResumedWith($"resume with {DistillCommand.ResumeOption}");
        var (code, line) = Classify(error);
        errors.WriteLine($"{(code == ExitCodes.Internal ? "internal error" : "error")}: {line}");
        if (verbose) errors.WriteLine(error.ToString());
        return code;
    }

    /// <summary>The exit code and the one-line message of <paramref name="error"/>.</summary>
    public static (int Code, string Line) Classify(Exception error) => error switch
    {
        // .NET's own readers (JSON, compression) throw InvalidDataException for malformed data.
        InputException or InvalidDataException => (ExitCodes.BadInput, OneLine(error.Message)),
        RunFailedException or IOException or UnauthorizedAccessException => (ExitCodes.RunFailed, OneLine(error.Message)),
        _ => (ExitCodes.Internal, $"{error.GetType().Name}: {OneLine(error.Message)} — {ReportHow}."),
    };

    /// <summary>A message on one line: a line break inside it would make it two errors to a reader of the log.</summary>
    static string OneLine(string message) => string.Join(" ", message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
}
