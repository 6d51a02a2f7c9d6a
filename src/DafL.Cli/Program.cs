using System.CommandLine;
using DafL.Backends;
using DafL.Cli.Commands;
using DafL.Backends.Cuda;
using Spectre.Console;

namespace DafL.Cli;

/// <summary>
/// <c>dafl</c>: train teachers, distil students data-free (DAFL), evaluate, sample, and run the demo.
/// Every command prints what it does and where it writes; errors are one readable line, not a stack trace.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        RegisterBackends();
        // Logs and pipes have no terminal width; without one, Spectre wraps tables at 80 columns.
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
        var root = new RootCommand("DafL.Native: data-free knowledge distillation (DAFL, Chen et al. ICCV 2019) on a from-scratch C# framework.");
        root.Subcommands.Add(TeacherCommand.Create());
        root.Subcommands.Add(DistillCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(SampleCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ProfileCommand.Create());
        root.Subcommands.Add(DoctorCommand.Create());
        return root.Parse(args).Invoke();
    }

    /// <summary>
    /// Installs the backends this build carries besides the built-in CPU one, before any command runs: the CUDA
    /// backend is created on first use (--device cuda or auto) and, where it cannot start, says why.
    /// </summary>
    static void RegisterBackends() => CudaSetup.Register();
}
