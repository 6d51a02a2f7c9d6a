using System.Globalization;
using Google.Protobuf;
using Onnx;

namespace DafL.Onnx;

/// <summary>
/// An ONNX model file, recognised by its content rather than its name: a serialised <c>ModelProto</c> with an IR
/// version, an opset and a graph of at least one node. Protobuf has no magic number, so the test is that it parses
/// as one and says what every model must; a safetensors file (an 8-byte length, then its JSON header's '{') is
/// told apart by its first 9 bytes without reading the rest.
/// </summary>
public sealed class OnnxModelFile
{
    public byte[] Bytes { get; }
    public ModelProto Model { get; }

    OnnxModelFile(byte[] bytes, ModelProto model) => (Bytes, Model) = (bytes, model);

    /// <summary>
    /// The model at <paramref name="path"/>, or null when the file is not an ONNX model — or cannot be read: then the
    /// caller's own loader reports why, in its words, as for any other model file.
    /// </summary>
    public static OnnxModelFile? TryRead(string path)
    {
        try
        {
            // A device or pipe (/dev/zero) has no end to read to: the caller's loader names what it is.
            if (!File.Exists(path) || DafL.IO.InputFile.SpecialKind(path) != null || LooksLikeSafeTensors(path)) return null;
            var bytes = File.ReadAllBytes(path);
            var model = ModelProto.Parser.ParseFrom(bytes);
            bool complete = model.IrVersion > 0 && model.OpsetImport.Count > 0 && model.Graph is { Node.Count: > 0 };
            return complete ? new OnnxModelFile(bytes, model) : null;
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The architecture <see cref="OnnxExporter"/> recorded, or for a model made elsewhere its graph's name.</summary>
    public string Arch => Metadata(OnnxExporter.ArchKey) ?? $"ONNX graph '{Model.Graph.Name}'";

    /// <summary>The parameter count <see cref="OnnxExporter"/> recorded, or for a model made elsewhere the initializers' values.</summary>
    public long ParameterCount =>
        long.TryParse(Metadata(OnnxExporter.ParametersKey), NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n
            : Model.Graph.Initializer.Sum(t => t.Dims.Aggregate(1L, (p, d) => p * d));

    string? Metadata(string key) => Model.MetadataProps.FirstOrDefault(p => p.Key == key)?.Value;

    static bool LooksLikeSafeTensors(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[9];
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head[8] == (byte)'{';
    }
}
