using DafL.Errors;
using DafL.IO;

namespace DafL.PyTorch;

/// <summary>
/// Reads a checkpoint that <c>torch.save</c> wrote — a state dict or a whole pickled module, zip or legacy format,
/// found by content (<see cref="CheckpointFormat"/>) — without running anything from it: the pickle is read under an
/// allowlist (<see cref="TorchUnpickler"/>) and a module is only a bag of its tensors. Tensors of float32, float16,
/// bfloat16 and float64 become float32 (each conversion is noted); int64 is read for <c>num_batches_tracked</c>. Every
/// error is an <see cref="InputException"/> naming the file and, where one is involved, the tensor.
/// </summary>
public static class PyTorchCheckpoint
{
    public const string Dtypes = "float32, float16, bfloat16 or float64 (int64 for num_batches_tracked)";

    public static PyTorchStateDict Load(string path) => CheckpointFormat.Detect(path) switch
    {
        CheckpointKind.PyTorchZip => Build(path, ZipCheckpoint.Read(path)),
        CheckpointKind.PyTorchLegacy => Build(path, LegacyCheckpoint.Read(path)),
        var other => throw new InputException(path, "format", "a PyTorch checkpoint (zip or legacy)", $"{other}"),
    };

    static PyTorchStateDict Build(string path, PickledCheckpoint checkpoint)
    {
        var (entries, moduleClass, stripped) = StateDictTree.Flatten(checkpoint.Root, path);
        var decoded = new Dictionary<string, DecodedStorage>(StringComparer.Ordinal);
        var converted = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var names = new List<string>();
        try
        {
            foreach (var (key, pickled) in entries)
            {
                var type = pickled.Storage.Type;
                if (!type.IsFloat && !(type.Dtype == StorageType.Int64 && SafeTensors.IsInt64(key)))
                    throw new InputException(path, $"tensor '{InputText.Show(key)}' dtype", Dtypes, $"{type.Dtype} (torch.{type.ClassName})");
                if (tensors.ContainsKey(key)) throw new InputException(path, $"tensor '{InputText.Show(key)}'", "one tensor per key", "two");
                string storageKey = pickled.Storage.Key;
                if (!decoded.TryGetValue(storageKey, out var storage))
                {
                    var (_, bytes) = checkpoint.Storages[storageKey];
                    decoded[storageKey] = storage = DecodedStorage.Decode(bytes, type, checkpoint.BigEndian);
                }
                tensors[key] = storage.Gather(pickled, path, key);
                names.Add(key);
                if (type.Dtype is not (StorageType.Float32 or StorageType.Int64)) converted[type.Dtype] = converted.GetValueOrDefault(type.Dtype) + 1;
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        var notes = new List<string>();
        if (moduleClass is not null)
            notes.Add($"{path} is a pickled {InputText.Show(moduleClass)} module: its tensors were read, none of its code was run");
        if (stripped) notes.Add($"{path} is a DataParallel checkpoint: the '{StateDictTree.DataParallelPrefix}' prefix was removed from its {names.Count} keys");
        foreach (var (dtype, count) in converted)
            notes.Add($"{path}: {count} {dtype} tensor{(count == 1 ? "" : "s")} converted to float32 ({(dtype == StorageType.Float64 ? "rounded to nearest" : "exactly")})");
        return new PyTorchStateDict(path, tensors, names, notes);
    }
}
