using System.CommandLine;
using DafL.Cli.Options;
using DafL.Reports;
using DafL.Training;
using Spectre.Console;

namespace DafL.Cli.Commands;

/// <summary><c>dafl teacher</c>: trains a teacher on real data with the official recipe of <c>teacher-train.py</c>.</summary>
public static class TeacherCommand
{
    public static Command Create()
    {
        var dataset = CommonOptions.Dataset();
        var data = CommonOptions.Data();
        var seed = CommonOptions.Seed();
        var epochs = CheckedOptions.Whole("--epochs", SettingRanges.TeacherEpochs, "Epochs (official: 9 for MNIST, 199 for CIFAR)");
        var batch = CheckedOptions.Whole("--batch", SettingRanges.TeacherBatch, "Batch size (official: 256 MNIST, 128 CIFAR)");
        var lr = CheckedOptions.Real("--lr", SettingRanges.LearningRate, "Learning rate (official: Adam 1e-3 MNIST, SGD 0.1 CIFAR)");
        var output = new Option<string>("--out") { Description = "Where to write the teacher (safetensors, with a .json sidecar)", DefaultValueFactory = _ => "runs/teacher/teacher.safetensors" };
        var device = CommonOptions.Device();
        var command = new Command("teacher", "Train a teacher on real data (LeNet-5 for MNIST-like sets, ResNet-34 for CIFAR).") { dataset, data, seed, epochs, batch, lr, output, device };
        command.SetAction(p =>
        {
            var config = TeacherConfig.Official(p.GetValue(dataset)!) with { Seed = p.GetValue(seed), Device = CommonOptions.ResolveDevice(p.GetValue(device)!) };
            if (p.GetValue(epochs) is { } e) config = config with { Epochs = e };
            if (p.GetValue(batch) is { } b) config = config with { BatchSize = b };
            if (p.GetValue(lr) is { } l) config = config with { Lr = l };
            Run(config, p.GetValue(data)!, p.GetValue(output)!);
            return ExitCodes.Ok; // a low accuracy is a result, not a failure
        });
        return command;
    }

    /// <summary>Trains and saves a teacher; shared with the demo.</summary>
    public static RunResult Run(TeacherConfig config, string dataRoot, string output)
    {
        config.Validate(); // before anything is loaded
        OutputPath.File(output, "--out");
        AnsiConsole.MarkupLine($"[bold]Teacher[/] {config.Arch} on {config.Dataset}: {config.Epochs} epochs, batch {config.BatchSize}, {config.Optimizer} lr {config.Lr}, on {DeviceChoice.NameOf(config.Device)}");
        var train = DatasetCatalog.Load(config.Dataset, dataRoot, train: true, augment: config.Augment);
        var test = DatasetCatalog.Load(config.Dataset, dataRoot, train: false);
        using var model = ModelCatalog.Create(config.Arch, DatasetCatalog.Classes(config.Dataset), DatasetCatalog.Channels(config.Dataset), SeedStreams.For(config.Seed, "teacher-init"));
        var observer = new ConsoleObserver("teacher");
        using var log = new MetricsLog(Path.ChangeExtension(output, ".metrics.jsonl"));
        var result = observer.Run(() => new TeacherTrainer(config, train, test, output).Train(model, observer, log));
        Checkpoint.SaveModel(output, model, config.ToJson());
        Summary.Print("Teacher", result, output);
        ReportCommand.AfterRun([output], RunReader.DefaultReportPath(output));
        return result;
    }
}
