using DafL.IO;
using DafL.PyTorch;

namespace DafL.Training;

/// <summary>
/// A checkpoint's tensors by state-dict key, whatever format it is in — safetensors, or what <c>torch.save</c> wrote
/// (zip or legacy, a state dict or a pickled module) — told by its content (<see cref="CheckpointFormat"/>). Owns the
/// tensors (float32, on the CPU). <see cref="Notes"/> says what reading it changed, for the user to see once.
/// </summary>
public sealed class StateDictFile : IDisposable
{
    readonly IDisposable _owner;

    StateDictFile(CheckpointKind format, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyList<string> names, IReadOnlyList<string> notes, IDisposable owner)
    {
        Format = format;
        Tensors = tensors;
        Names = names;
        Notes = notes;
        _owner = owner;
    }

    public CheckpointKind Format { get; }
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }
    /// <summary>The keys in the file's order.</summary>
    public IReadOnlyList<string> Names { get; }
    public IReadOnlyList<string> Notes { get; }

    /// <summary>Reads <paramref name="path"/>; every error is an <see cref="Errors.InputException"/> naming it.</summary>
    public static StateDictFile Read(string path)
    {
        var format = CheckpointFormat.Detect(path);
        if (format == CheckpointKind.SafeTensors)
        {
            var file = SafeTensors.Load(path);
            return new StateDictFile(format, file.Tensors, file.Names, [], file);
        }
        var state = PyTorchCheckpoint.Load(path);
        return new StateDictFile(format, state.Tensors, state.Names, state.Notes, state);
    }

    public void Dispose() => _owner.Dispose();
}
