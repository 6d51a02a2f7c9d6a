using System.CommandLine;
using System.CommandLine.Help;
using DafL.Cli.Commands;
using DafL.Backends.Cuda;
using Spectre.Console;

namespace DafL.Cli;

/// <summary>
/// <c>dafl</c>: train teachers, distil students data-free (DAFL), evaluate, convert checkpoints, export to ONNX, sample, report, and run the demo.
/// Every command prints what it does and where it writes; every error is one readable line and an exit code
/// (<see cref="ExitCodes"/>, <see cref="ErrorReport"/>), never a stack trace unless --verbose asks for it.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        RegisterBackends();
        // Logs and pipes have no terminal width; without one, Spectre wraps tables at 80 columns.
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
        return Run(args, Console.Error);
    }

    /// <summary>
    /// Parses and runs one command line in this process: the command's output goes to <see cref="AnsiConsole"/>, errors
    /// to <paramref name="errors"/>. Returns the exit code. The tests call it directly, as the fuzzing suite does.
    /// A command line that does not parse is one line (<see cref="CommandLineErrors"/>) and exit 2, <c>dafl</c> alone
    /// included (it names the commands: a script that forgot one gets an error, not a page of help and exit 0);
    /// --help still prints the help and exits 0, whatever else is wrong.
    /// </summary>
    public static int Run(string[] args, TextWriter errors)
    {
        // No response files: "@path" would read a file (or /dev/zero, for ever) as more arguments.
        // --verbose, on every command: stack traces with errors. One per command tree: an option added to a command
        // keeps it as a parent, so a shared one would keep every tree this process ever built.
        var verboseOption = new Option<bool>("--verbose") { Description = "Print the stack trace of an error", Recursive = true };
        var parsed = Root(verboseOption).Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Action is not HelpAction && CommandLineErrors.Find(parsed) is { } badCommandLine)
            return ErrorReport.Write(badCommandLine, verbose: false, errors); // thrown nowhere: there is no trace to show
        bool verbose = parsed.GetValue(verboseOption);
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            return ErrorReport.Write(e, verbose, errors);
        }
    }

    static RootCommand Root(Option<bool> verbose)
    {
        var root = new RootCommand("DafL.Native: data-free knowledge distillation (DAFL, Chen et al. ICCV 2019) on a from-scratch C# framework.");
        root.Options.Add(verbose);
        // No [suggest] directive: a shell-completion protocol nothing here uses, and a stray "[suggest]" would exit 0.
        root.Directives.Clear();
        root.Subcommands.Add(TeacherCommand.Create());
        root.Subcommands.Add(DistillCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(SampleCommand.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ProfileCommand.Create());
        root.Subcommands.Add(DoctorCommand.Create());
        return root;
    }

    /// <summary>
    /// Installs the backends this build carries besides the built-in CPU one, before any command runs: the CUDA
    /// backend is created on first use (--device cuda or auto) and, where it cannot start, says why.
    /// </summary>
    static void RegisterBackends() => CudaSetup.Register();
}
