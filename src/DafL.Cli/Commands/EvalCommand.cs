using System.CommandLine;
using DafL.Errors;
using DafL.Training;
using Spectre.Console;

namespace DafL.Cli.Commands;

/// <summary><c>dafl eval</c>: test accuracy of any LeNet-5 / ResNet checkpoint, per class on request.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Checkpoint: safetensors with PyTorch keys, or a PyTorch .pt (a state dict or a pickled module, as the official code saves)", Required = true };
        var dataset = CommonOptions.Dataset();
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var perClass = new Option<bool>("--per-class") { Description = "Also print each class's accuracy and the class it is most often mistaken for" };
        var command = new Command("eval", "Test-set accuracy of a checkpoint.") { model, dataset, data, device, perClass };
        command.SetAction(p =>
        {
            string path = p.GetValue(model)!, name = p.GetValue(dataset)!;
            var on = CommonOptions.ResolveDevice(p.GetValue(device)!);
            var (classifier, arch, classes, _) = CommonOptions.Noted(ModelCatalog.Load(path));
            using var net = classifier;
            net.To(on);
            var test = DatasetCatalog.Load(name, p.GetValue(data)!, train: false);
            if (classes != test.ClassCount)
                throw new InputException(path, "classes", $"{test.ClassCount}, as {name} has", $"a {arch} with {classes}");
            var score = Evaluator.Evaluate(net, test);
            AnsiConsole.MarkupLine($"{Markup.Escape(path)} ({arch}, {net.ParameterCount():N0} parameters) on {name} test ({DeviceChoice.NameOf(on)}): accuracy [bold]{score.Accuracy * 100:F2}%[/], loss {score.Loss:F4}");
            if (p.GetValue(perClass)) AnsiConsole.Write(PerClassTable(score));
            return 0;
        });
        return command;
    }

    static Table PerClassTable(Evaluation score)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("class", "images", "accuracy", "most often mistaken for");
        for (int c = 0; c < score.ClassCount; c++)
        {
            var (predicted, count) = score.TopConfusion(c);
            table.AddRow(c.ToString(), score.Count(c).ToString("N0"), $"{score.ClassAccuracy(c) * 100:F2}%",
                predicted < 0 ? "—" : $"{predicted} ({count}×)");
        }
        return table;
    }
}
