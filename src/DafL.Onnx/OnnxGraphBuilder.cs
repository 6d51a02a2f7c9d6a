using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace DafL.Onnx;

/// <summary>
/// Builds one ONNX graph: float32 inputs and outputs with a symbolic or fixed batch dimension, initializers named by
/// their state-dict keys, and nodes whose outputs are named after the module that made them ("layer1.0.conv1"), made
/// unique with a suffix when one module makes several ("layer1.0.relu", "layer1.0.relu.1").
/// </summary>
public sealed class OnnxGraphBuilder
{
    /// <summary>The symbolic batch dimension of a dynamic-batch export.</summary>
    public const string BatchDim = "N";

    readonly GraphProto _graph;
    readonly HashSet<string> _names = new(StringComparer.Ordinal);
    readonly int? _batch;

    /// <param name="name">The graph's name.</param>
    /// <param name="batch">A fixed batch size, or null for the symbolic <see cref="BatchDim"/>.</param>
    public OnnxGraphBuilder(string name, int? batch)
    {
        if (batch is < 1) throw new ArgumentOutOfRangeException(nameof(batch), $"OnnxGraphBuilder: batch {batch} must be at least 1.");
        _graph = new GraphProto { Name = name };
        _batch = batch;
    }

    public GraphProto Graph => _graph;

    /// <summary>Declares a float input of shape (batch, <paramref name="dims"/>…); returns its value name.</summary>
    public string Input(string name, params int[] dims)
    {
        _graph.Input.Add(ValueInfo(Claim(name), dims));
        return name;
    }

    /// <summary>Makes <paramref name="value"/> the graph's output <paramref name="name"/> of shape (batch, <paramref name="dims"/>…).</summary>
    public void Output(string value, string name, params int[] dims)
    {
        if (value != name)
        {
            Claim(name);
            // The producer writes the output under its public name: an Identity node would only add a copy.
            foreach (var node in _graph.Node)
            {
                for (int i = 0; i < node.Output.Count; i++) if (node.Output[i] == value) node.Output[i] = name;
                for (int i = 0; i < node.Input.Count; i++) if (node.Input[i] == value) node.Input[i] = name;
            }
        }
        _graph.Output.Add(ValueInfo(name, dims));
    }

    /// <summary>A float32 initializer (raw little-endian data) of shape <paramref name="dims"/>; returns its name.</summary>
    public string Initializer(string name, ReadOnlySpan<float> values, int[] dims, string? doc = null)
    {
        var tensor = NewTensor(name, TensorProto.Types.DataType.Float, dims, values.Length, doc);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>An int64 initializer (a shape for Reshape); returns its name.</summary>
    public string Initializer(string name, ReadOnlySpan<long> values)
    {
        var tensor = NewTensor(name, TensorProto.Types.DataType.Int64, [values.Length], values.Length, doc: null);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a node of the default domain with one output, named <paramref name="name"/> (made unique; empty: the op) and returns that output.</summary>
    public string Node(string opType, string name, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var output = Unique(name.Length == 0 ? opType : name);
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return output;
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    TensorProto NewTensor(string name, TensorProto.Types.DataType type, int[] dims, int count, string? doc)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("OnnxGraphBuilder: ONNX raw data is little-endian; this machine is not.");
        long expected = dims.Aggregate(1L, (p, d) => p * d);
        if (expected != count)
            throw new ArgumentException($"OnnxGraphBuilder: initializer '{name}' has {count} values for dimensions [{string.Join(", ", dims)}] ({expected}).");
        var tensor = new TensorProto { Name = Claim(name), DataType = (int)type, DocString = doc ?? "" };
        tensor.Dims.AddRange(dims.Select(d => (long)d));
        return tensor;
    }

    ValueInfoProto ValueInfo(string name, int[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(_batch is { } b ? new TensorShapeProto.Types.Dimension { DimValue = b } : new TensorShapeProto.Types.Dimension { DimParam = BatchDim });
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        var type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } };
        return new ValueInfoProto { Name = name, Type = type };
    }

    /// <summary>Takes <paramref name="name"/>, which must be new: initializers and graph inputs keep their names exactly.</summary>
    string Claim(string name)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"OnnxGraphBuilder: the name '{name}' is already taken.");
        return name;
    }

    string Unique(string name)
    {
        if (_names.Add(name)) return name;
        for (int i = 1; ; i++)
            if (_names.Add($"{name}.{i}")) return $"{name}.{i}";
    }
}
