using System.CommandLine;
using DafL.Data;
using DafL.Errors;
using DafL.Onnx;
using DafL.Onnx.Runtime;
using DafL.Training;
using Spectre.Console;

namespace DafL.Cli.Commands;

/// <summary><c>dafl eval</c>: test accuracy of any LeNet-5 / ResNet checkpoint or ONNX classifier, per class on request.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Checkpoint: safetensors with PyTorch keys, a PyTorch .pt (a state dict or a pickled module, as the official code saves), or an ONNX classifier (run in onnxruntime)", Required = true };
        var dataset = CommonOptions.Dataset();
        var data = CommonOptions.Data();
        var device = CommonOptions.Device();
        var perClass = new Option<bool>("--per-class") { Description = "Also print each class's accuracy and the class it is most often mistaken for" };
        var command = new Command("eval", "Test-set accuracy of a checkpoint.") { model, dataset, data, device, perClass };
        command.SetAction(p =>
        {
            string path = p.GetValue(model)!, name = p.GetValue(dataset)!, dataRoot = p.GetValue(data)!;
            // An ONNX file is told by its content, not its name: a checkpoint renamed .onnx is still a checkpoint.
            var scored = OnnxModelFile.TryRead(path) is { } onnx
                ? ScoreOnnx(onnx, path, p.GetValue(device)!, name, dataRoot)
                : ScoreCheckpoint(path, p.GetValue(device)!, name, dataRoot);
            AnsiConsole.MarkupLine($"{Markup.Escape(path)} ({Markup.Escape(scored.Arch)}, {scored.Parameters:N0} parameters) on {name} test ({scored.RanOn}): " +
                $"accuracy [bold]{scored.Score.Accuracy * 100:F2}%[/], loss {scored.Score.Loss:F4}");
            if (p.GetValue(perClass)) AnsiConsole.Write(PerClassTable(scored.Score));
            return 0;
        });
        return command;
    }

    /// <summary>What the accuracy line says of a model, whichever kind of file it came from.</summary>
    sealed record Scored(string Arch, long Parameters, string RanOn, Evaluation Score);

    static Scored ScoreCheckpoint(string path, string deviceRequest, string name, string dataRoot)
    {
        var on = CommonOptions.ResolveDevice(deviceRequest);
        var (classifier, arch, classes, _) = CommonOptions.Noted(ModelCatalog.Load(path));
        using var net = classifier;
        net.To(on);
        var test = TestSet(name, dataRoot, path, arch, classes);
        return new Scored(arch, net.ParameterCount(), DeviceChoice.NameOf(on), Evaluator.Evaluate(net, test));
    }

    /// <summary>An ONNX model, run by onnxruntime on the CPU through the same evaluation loop as a checkpoint.</summary>
    static Scored ScoreOnnx(OnnxModelFile file, string path, string deviceRequest, string name, string dataRoot)
    {
        if (deviceRequest is not ("cpu" or "auto"))
            throw new InputException("--device", "", "cpu or auto for an ONNX model (onnxruntime runs it on the CPU)", deviceRequest);
        using var onnx = OnnxClassifier.Load(file, path);
        var test = TestSet(name, dataRoot, path, file.Arch, onnx.Classes);
        int[] images = [test.Channels, test.Height, test.Width];
        if (!images.SequenceEqual(onnx.InputShape))
            throw new InputException(path, "input shape", $"(N, {string.Join(", ", images)}), as {name} has", $"(N, {string.Join(", ", onnx.InputShape)})");
        return new Scored(file.Arch, file.ParameterCount, $"onnxruntime, {DeviceChoice.NameOf(Device.Cpu)}", Evaluator.Evaluate(onnx.Logits, test, Device.Cpu));
    }

    static IImageDataset TestSet(string name, string dataRoot, string path, string arch, int classes)
    {
        var test = DatasetCatalog.Load(name, dataRoot, train: false);
        if (classes != test.ClassCount)
            throw new InputException(path, "classes", $"{test.ClassCount}, as {name} has", $"a {arch} with {classes}");
        return test;
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
