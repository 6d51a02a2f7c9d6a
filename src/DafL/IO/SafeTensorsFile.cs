namespace DafL.IO;

/// <summary>A loaded safetensors file: float32 CPU tensors by name, their order in the file, and the metadata. Owns the tensors.</summary>
public sealed class SafeTensorsFile : IDisposable
{
    internal SafeTensorsFile(string path, Dictionary<string, Tensor> tensors, List<string> names, Dictionary<string, string> metadata, bool verified)
    {
        Path = path;
        Tensors = tensors;
        Names = names;
        Metadata = metadata;
        Verified = verified;
    }

    public string Path { get; }
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }
    /// <summary>Tensor names in header order.</summary>
    public IReadOnlyList<string> Names { get; }
    /// <summary>The header's <c>__metadata__</c> string map (empty when absent), without the checksum's own keys.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Whether the file carried a checksum (<see cref="SafeTensors.ChecksumKey"/>) and it matched: true for every
    /// intact file written by <see cref="SafeTensors.Save"/>, false for a file written elsewhere (PyTorch's). A
    /// damaged checked file never loads, so a caller that reads only its own files requires this to be true.
    /// </summary>
    public bool Verified { get; }

    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}
