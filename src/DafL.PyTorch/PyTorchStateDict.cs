namespace DafL.PyTorch;

/// <summary>
/// The tensors a PyTorch checkpoint held, as float32 CPU tensors by state-dict key, their order in it, and notes for
/// the user about what was done to read them (dtypes converted, a DataParallel prefix removed). Owns the tensors.
/// </summary>
public sealed class PyTorchStateDict : IDisposable
{
    internal PyTorchStateDict(string path, Dictionary<string, Tensor> tensors, List<string> names, List<string> notes)
    {
        Path = path;
        Tensors = tensors;
        Names = names;
        Notes = notes;
    }

    public string Path { get; }
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }
    /// <summary>The keys in the order the checkpoint saved them (PyTorch's <c>state_dict()</c> order).</summary>
    public IReadOnlyList<string> Names { get; }
    /// <summary>One line each, to be shown once: "2 float16 tensors converted to float32 (exactly)".</summary>
    public IReadOnlyList<string> Notes { get; }

    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}
