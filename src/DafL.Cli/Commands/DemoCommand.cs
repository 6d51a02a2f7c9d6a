using System.CommandLine;
using System.Diagnostics;
using DafL.Cli.Options;
using DafL.Training;
using Spectre.Console;

namespace DafL.Cli.Commands;

/// <summary>
/// <c>dafl demo</c>: the README's main job. Trains a LeNet-5 teacher on MNIST, then distils a LeNet-5-half without
/// any training image (preset mnist-quick), prints both accuracies and the wall time, and writes samples and
/// report.html, which covers the distillation and the teacher's training.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var output = new Option<string>("--out") { Description = "Folder for the teacher, the run and the samples", DefaultValueFactory = _ => "runs/demo" };
        var teacherEpochs = CheckedOptions.Whole("--teacher-epochs", SettingRanges.TeacherEpochs, "Teacher epochs (official: 9)", 5);
        var seed = CommonOptions.Seed();
        var device = CommonOptions.Device();
        var command = new Command("demo", "Train a LeNet-5 teacher on MNIST, then distil a LeNet-5-half data-free (CPU-sized).") { data, output, teacherEpochs, seed, device };
        command.SetAction(p =>
        {
            var clock = Stopwatch.StartNew();
            string dir = p.GetValue(output)!, dataRoot = p.GetValue(data)!;
            ulong s = p.GetValue(seed);
            OutputPath.Folder(dir, "--out"); // before the teacher's minutes of training
            var on = CommonOptions.ResolveDevice(p.GetValue(device)!);
            var teacherPath = Path.Combine(dir, "teacher.safetensors");
            var teacher = TeacherCommand.Run(TeacherConfig.Official("mnist") with { Epochs = p.GetValue(teacherEpochs), Seed = s, Device = on }, dataRoot, teacherPath);
            var config = DistillPresets.Get("mnist-quick") with { Seed = s, Device = on };
            var runDir = Path.Combine(dir, "distill");
            var student = DistillCommand.Run(config, teacherPath, dataRoot, runDir, resume: false);
            var grid = Path.Combine(dir, "samples.png");
            SampleCommand.Write(runDir, teacherPath, grid, 64, 7, on);
            var report = Path.Combine(dir, "report.html");
            ReportCommand.AfterRun([runDir, teacherPath], report);
            AnsiConsole.MarkupLine($"[bold green]Demo done[/] in {clock.Elapsed.TotalSeconds:F0} s on {DeviceChoice.NameOf(on)}: teacher LeNet-5 {teacher.LastAccuracy * 100:F2}%, " +
                $"data-free LeNet-5-half best {student.BestAccuracy * 100:F2}% (epoch {student.BestEpoch}), last {student.LastAccuracy * 100:F2}% — samples in {Markup.Escape(grid)}, report in {Markup.Escape(report)}");
            return 0;
        });
        return command;
    }
}
