using DafL.Errors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace DafL.Onnx.Runtime;

/// <summary>
/// An ONNX classifier run by onnxruntime on the CPU: one float input (N, C, H, W) with C, H, W fixed, one float
/// output (N, K). Logits of any number of images: a model exported with a fixed batch B is run B images at a time,
/// the last run padded with zeros and its padding dropped. Holds the native session: dispose it.
/// </summary>
public sealed class OnnxClassifier : IDisposable
{
    readonly InferenceSession _session;
    readonly string _input, _output;

    /// <summary>The input an image must have: (channels, height, width).</summary>
    public int[] InputShape { get; }
    public int Classes { get; }
    /// <summary>The batch size the model was exported with, or null for a symbolic batch.</summary>
    public int? FixedBatch { get; }

    OnnxClassifier(InferenceSession session, string input, string output, int[] inputShape, int classes, int? fixedBatch)
    {
        (_session, _input, _output) = (session, input, output);
        (InputShape, Classes, FixedBatch) = (inputShape, classes, fixedBatch);
    }

    /// <summary>Starts a session for <paramref name="file"/>; a model that onnxruntime refuses or that is not such a classifier is an <see cref="InputException"/> naming <paramref name="source"/>.</summary>
    public static OnnxClassifier Load(OnnxModelFile file, string source)
    {
        InferenceSession session;
        try
        {
            session = new InferenceSession(file.Bytes);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InputException(source, "ONNX model", "a model onnxruntime can load", e.Message, inner: e);
        }
        try
        {
            var (input, inputMeta) = Single(session.InputMetadata, source, "inputs");
            var (output, outputMeta) = Single(session.OutputMetadata, source, "outputs");
            var inDims = Float(inputMeta, source, $"input '{input}'", rank: 4);
            var outDims = Float(outputMeta, source, $"output '{output}'", rank: 2);
            if (inDims.Skip(1).Any(d => d < 1))
                throw new InputException(source, $"input '{input}' shape", "fixed channels, height and width", Shape(inDims));
            if (outDims[1] < 2)
                throw new InputException(source, $"output '{output}' shape", "a fixed count of at least 2 classes", Shape(outDims));
            return new OnnxClassifier(session, input, output, inDims[1..], outDims[1], inDims[0] > 0 ? inDims[0] : null);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Images (n, C, H, W), on any device → logits (n, K) on the CPU, owned by the enclosing scope.</summary>
    public Tensor Logits(Tensor images)
    {
        if (images.Rank != 4 || !images.Shape.AsSpan(1).SequenceEqual(InputShape))
            throw new ArgumentException($"OnnxClassifier: images {Tensor.ShapeString(images.Shape)} do not fit the input (N, {string.Join(", ", InputShape)}).");
        int n = images.Shape[0], size = InputShape.Aggregate(1, (p, d) => p * d);
        int chunk = FixedBatch ?? Math.Max(n, 1);
        var pixels = images.ToArray();
        var logits = new float[(long)n * Classes];
        for (int start = 0; start < n; start += chunk)
        {
            int count = Math.Min(chunk, n - start);
            var batch = new float[(long)chunk * size]; // zeros past count: the padding of a fixed batch
            pixels.AsSpan(start * size, count * size).CopyTo(batch);
            using var input = OrtValue.CreateTensorValueFromMemory(batch, [chunk, .. InputShape.Select(d => (long)d)]);
            using var run = new RunOptions();
            using var outputs = _session.Run(run, [_input], [input], [_output]);
            outputs[0].GetTensorDataAsSpan<float>()[..(count * Classes)].CopyTo(logits.AsSpan(start * Classes));
        }
        return Tensor.FromArray(logits, [n, Classes]);
    }

    public void Dispose() => _session.Dispose();

    static (string Name, NodeMetadata Meta) Single(IReadOnlyDictionary<string, NodeMetadata> values, string source, string what)
    {
        if (values.Count != 1) throw new InputException(source, $"graph {what}", "exactly one, as a classifier has", values.Count.ToString());
        var only = values.First();
        return (only.Key, only.Value);
    }

    /// <summary>The dimensions of a float tensor of <paramref name="rank"/> (−1 for a symbolic one).</summary>
    static int[] Float(NodeMetadata meta, string source, string what, int rank)
    {
        if (!meta.IsTensor || meta.ElementDataType != TensorElementType.Float)
            throw new InputException(source, what, "a float32 tensor", meta.IsTensor ? $"a {meta.ElementDataType} tensor" : meta.OnnxValueType.ToString());
        if (meta.Dimensions.Length != rank)
            throw new InputException(source, $"{what} shape", $"{rank} dimensions", Shape(meta.Dimensions));
        return meta.Dimensions;
    }

    static string Shape(int[] dims) => $"[{string.Join(", ", dims.Select(d => d < 0 ? "?" : d.ToString()))}]";
}
