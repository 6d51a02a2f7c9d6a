using System.CommandLine;
using DafL.Cli.Options;
using DafL.Onnx;
using DafL.Training;
using Spectre.Console;

namespace DafL.Cli.Commands;

/// <summary><c>dafl export</c>: a classifier checkpoint as an ONNX model (eval mode, batch norms folded into their convolutions).</summary>
public static class ExportCommand
{
    /// <summary>A fixed batch: one image up to the largest training batch.</summary>
    static readonly WholeRange FixedBatch = new(1, 65536);

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Classifier checkpoint (safetensors with PyTorch keys)", Required = true };
        var onnx = new Option<string>("--onnx") { Description = "ONNX file to write", Required = true };
        var batch = CheckedOptions.WordOrWhole("--batch", "dynamic", FixedBatch,
            "Batch dimension of the input and output: dynamic (symbolic 'N', the default) or a fixed size");
        var command = new Command("export", "Export a classifier checkpoint as an ONNX model (opset 17) for onnxruntime and other runtimes.") { model, onnx, batch };
        command.SetAction(p =>
        {
            Export(p.GetValue(model)!, p.GetValue(onnx)!, p.GetValue(batch).Whole);
            return 0;
        });
        return command;
    }

    static void Export(string modelPath, string onnxPath, int? batch)
    {
        OutputPath.File(onnxPath, "--onnx"); // before loading: an unwritable output fails at once
        var (classifier, arch, classes, _) = ModelCatalog.Load(modelPath);
        using var net = classifier;
        var exported = OnnxExporter.Classifier(net, arch, batch);
        OnnxExporter.Save(exported, onnxPath);
        string n = batch?.ToString() ?? OnnxGraphBuilder.BatchDim;
        AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(onnxPath)}[/] ({arch}, {net.ParameterCount():N0} parameters; ONNX opset {OnnxExporter.Opset}, " +
            $"{exported.Graph.Node.Count} nodes): '{OnnxExporter.InputName}' ({n}, {string.Join(", ", ModelGraphs.InputShape(net))}) → " +
            $"'{OnnxExporter.OutputName}' ({n}, {classes}), batch {(batch == null ? "dynamic" : "fixed")}");
    }
}
