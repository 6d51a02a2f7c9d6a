using DafL.IO;
using DafL.NN;

namespace DafL.Training;

/// <summary>
/// Model files: safetensors with PyTorch's state_dict keys (loadable by <c>load_state_dict</c>), plus a JSON
/// sidecar "<c>name.json</c>" with the settings of the run that made it. Both are written atomically.
/// </summary>
public static class Checkpoint
{
    public static void SaveModel(string path, Module model, string configJson, IReadOnlyDictionary<string, string>? metadata = null)
    {
        SafeTensors.Save(path, model.StateDict(), metadata);
        AtomicFile.WriteAllText(SidecarPath(path), configJson);
    }

    public static string SidecarPath(string path) => Path.ChangeExtension(path, ".json");

    /// <summary>Loads weights into <paramref name="model"/>; errors name the file and the key.</summary>
    public static void LoadModel(string path, Module model)
    {
        using var file = SafeTensors.Load(path);
        model.LoadStateDict(file.Tensors, strict: true, source: path);
    }
}
