using DafL.Onnx;
using DafL.Tests.Support;
using Onnx;
using static DafL.Tests.Onnx.OnnxParity;

namespace DafL.Tests.Onnx;

/// <summary>What an export declares: versions, producer, names and shapes, and initializers named by the state dict.</summary>
public class ExportedModelTests : TempFolderTest
{
    [Test]
    public void TheModelDeclaresOpset17IrVersion8AndItsProducer()
    {
        using var model = Classifier("lenet5-half", 1, 10, seed: 31);
        var onnx = OnnxExporter.Classifier(model, "lenet5-half", batch: null);
        Assert.That(onnx.IrVersion, Is.EqualTo(8));
        Assert.That(onnx.OpsetImport.Select(o => (o.Domain, o.Version)), Is.EqualTo(new[] { ("", 17L) }));
        Assert.That(onnx.ProducerName, Is.EqualTo("DafL.Native"));
        Assert.That(onnx.ProducerVersion, Is.Not.Empty);
        Assert.That(onnx.MetadataProps.ToDictionary(p => p.Key, p => p.Value),
            Is.EqualTo(new Dictionary<string, string> { ["dafl.arch"] = "lenet5-half", ["dafl.parameters"] = "15738" }));
    }

    [TestCase(null, "N")]
    [TestCase(8, "8")]
    public void InputAndOutputAreNamedWithTheBatchDimension(int? batch, string n)
    {
        using var model = Classifier("resnet18", 3, 100, seed: 32);
        var graph = OnnxExporter.Classifier(model, "resnet18", batch).Graph;
        Assert.That(graph.Input.Select(v => (v.Name, Dims(v))), Is.EqualTo(new[] { ("input", $"{n}, 3, 32, 32") }));
        Assert.That(graph.Output.Select(v => (v.Name, Dims(v))), Is.EqualTo(new[] { ("logits", $"{n}, 100") }));
    }

    [Test]
    public void LeNetsInitializersAreItsStateDictUnderItsKeys()
    {
        using var model = Classifier("lenet5", 1, 10, seed: 33);
        var graph = OnnxExporter.Classifier(model, "lenet5", batch: null).Graph;
        var state = model.StateDict().ToDictionary(e => e.Key, e => e.Tensor.ToArray());
        Assert.That(graph.Initializer.Select(t => t.Name), Is.EquivalentTo(state.Keys));
        foreach (var t in graph.Initializer)
            Assert.That(Values(t), Is.EqualTo(state[t.Name]), t.Name);
    }

    /// <summary>Every batch norm is folded: no BatchNormalization node, one Conv per convolution, each with its bias.</summary>
    [Test]
    public void ResNetsBatchNormsAreFoldedIntoItsConvolutions()
    {
        using var model = Classifier("resnet34", 3, 10, seed: 34);
        var graph = OnnxExporter.Classifier(model, "resnet34", batch: null).Graph;
        var convKeys = model.StateDict().Select(e => e.Key).Where(k => k.EndsWith(".weight") && model.StateDict().First(e => e.Key == k).Tensor.Rank == 4).ToList();
        Assert.That(graph.Node.Count(n => n.OpType == "BatchNormalization"), Is.Zero);
        Assert.That(graph.Node.Where(n => n.OpType == "Conv").Select(n => n.Input[1]), Is.EqualTo(convKeys), "one conv per weight, in order");
        Assert.That(graph.Node.Where(n => n.OpType == "Conv").Select(n => n.Input.Count), Is.All.EqualTo(3), "every folded conv has a bias");
        Assert.That(graph.Node.Count(n => n.OpType == "Add"), Is.EqualTo(16), "one residual add per block: 3 + 4 + 6 + 3");
        Assert.That(graph.Initializer.Select(t => t.Name), Has.None.Contain("running_"));
        Assert.That(graph.Initializer.First(t => t.Name == "layer1.0.conv1.weight").DocString, Does.Contain("layer1.0.bn1 folded in"));
    }

    static string Dims(ValueInfoProto v) =>
        string.Join(", ", v.Type.TensorType.Shape.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam ? d.DimParam : d.DimValue.ToString()));

    static float[] Values(TensorProto t) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
}
