namespace DafL.IO;

/// <summary>A loaded safetensors file: float32 CPU tensors by name, their order in the file, and the metadata. Owns the tensors.</summary>
public sealed class SafeTensorsFile : IDisposable
{
    internal SafeTensorsFile(string path, Dictionary<string, Tensor> tensors, List<string> names, Dictionary<string, string> metadata)
    {
        Path = path;
        Tensors = tensors;
        Names = names;
        Metadata = metadata;
    }

    public string Path { get; }
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }
    /// <summary>Tensor names in header order.</summary>
    public IReadOnlyList<string> Names { get; }
    /// <summary>The header's <c>__metadata__</c> string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}
