using System.CommandLine;
using DafL.Cli.Commands;

namespace DafL.Cli;

/// <summary>
/// <c>dafl</c>: train teachers, distil students data-free (DAFL), evaluate, sample, and run the demo.
/// Every command prints what it does and where it writes; errors are one readable line, not a stack trace.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("DafL.Native: data-free knowledge distillation (DAFL, Chen et al. ICCV 2019) on a from-scratch C# framework.");
        root.Subcommands.Add(TeacherCommand.Create());
        root.Subcommands.Add(DistillCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(SampleCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(DoctorCommand.Create());
        return root.Parse(args).Invoke();
    }
}
