using System.Globalization;
using System.Reflection;
using DafL.IO;
using DafL.Models;
using Google.Protobuf;
using Onnx;

namespace DafL.Onnx;

/// <summary>
/// Exports a classifier's eval-mode forward as an ONNX model: input "input" (N, C, H, W) float32, output "logits"
/// (N, K), N symbolic ("N") or fixed. Opset 17 (ONNX 1.12; every op used here has had its present form since at
/// least opset 13, and onnxruntime has run opset 17 since 1.12), so IR version 8, the one that opset came with.
/// The metadata keeps what <c>dafl eval</c> prints of a checkpoint: its architecture and our parameter count (the
/// graph's own count is smaller where batch norms were folded).
/// </summary>
public static class OnnxExporter
{
    public const int Opset = 17;
    /// <summary>IR version 8 (<c>IR_VERSION_2021_7_30</c>), released with opset 17's ONNX 1.12 line.</summary>
    public const long IrVersion = (long)global::Onnx.Version.IrVersion2021730;
    public const string InputName = "input", OutputName = "logits";
    public const string ProducerName = "DafL.Native";
    /// <summary>Metadata keys: the architecture name, and the parameter count of the model before export.</summary>
    public const string ArchKey = "dafl.arch", ParametersKey = "dafl.parameters";

    /// <summary>The ONNX model of <paramref name="model"/>'s eval-mode forward; <paramref name="batch"/> null: a symbolic batch.</summary>
    public static ModelProto Classifier(Classifier model, string arch, int? batch)
    {
        var g = new OnnxGraphBuilder(arch, batch);
        var input = g.Input(InputName, ModelGraphs.InputShape(model));
        g.Output(ModelGraphs.ClassifierGraph(g, model, input), OutputName, model.NumClasses);
        return Model(g.Graph, $"{arch}, eval mode", (ArchKey, arch), (ParametersKey, model.ParameterCount().ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// Any stack of layers (a <see cref="NN.Sequential"/> of those <see cref="LayerEmitter"/> knows) as a model with
    /// input "input" (batch, <paramref name="inputShape"/>…) and output "output" (batch, <paramref name="outputShape"/>…).
    /// </summary>
    public static ModelProto Layer(NN.Layer layer, string name, int[] inputShape, int[] outputShape, int? batch)
    {
        var g = new OnnxGraphBuilder(name, batch);
        var input = g.Input(InputName, inputShape);
        g.Output(LayerEmitter.Emit(g, layer, "", input), "output", outputShape);
        return Model(g.Graph, $"{name}, eval mode");
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> through a temporary file and a rename.</summary>
    public static void Save(ModelProto model, string path) => AtomicFile.Write(path, model.WriteTo);

    static ModelProto Model(GraphProto graph, string doc, params (string Key, string Value)[] metadata)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = ProducerName,
            ProducerVersion = ProducerVersion,
            DocString = doc,
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in metadata) model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    static string ProducerVersion =>
        typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "unknown";
}
