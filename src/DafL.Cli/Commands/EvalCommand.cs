using System.CommandLine;
using DafL.Training;
using Spectre.Console;

namespace DafL.Cli.Commands;

/// <summary><c>dafl eval</c>: test accuracy of any LeNet-5 / ResNet checkpoint.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Checkpoint (safetensors with PyTorch keys)", Required = true };
        var dataset = CommonOptions.Dataset();
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var command = new Command("eval", "Test-set accuracy of a checkpoint.") { model, dataset, data, device };
        command.SetAction(p => CommonOptions.Guard(() =>
        {
            string path = p.GetValue(model)!, name = p.GetValue(dataset)!;
            var on = CommonOptions.ResolveDevice(p.GetValue(device)!);
            using var file = DafL.IO.SafeTensors.Load(path);
            var (arch, classes, channels) = ModelCatalog.Recognise(file.Tensors, path);
            using var net = ModelCatalog.Create(arch, classes, channels, SeedStreams.For(0, "eval-load"));
            net.LoadStateDict(file.Tensors, strict: true, source: path);
            net.To(on);
            var test = DatasetCatalog.Load(name, p.GetValue(data)!, train: false);
            var (acc, loss) = Evaluator.Evaluate(net, test);
            AnsiConsole.MarkupLine($"{Markup.Escape(path)} ({arch}, {net.ParameterCount():N0} parameters) on {name} test ({DeviceChoice.NameOf(on)}): accuracy [bold]{acc * 100:F2}%[/], loss {loss:F4}");
            return 0;
        }));
        return command;
    }
}
