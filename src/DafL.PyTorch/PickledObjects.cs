using System.Collections;

namespace DafL.PyTorch;

/// <summary>
/// A storage a tensor refers to, as the pickle's persistent id names it: its key (the record <c>data/&lt;key&gt;</c>
/// in a zip checkpoint), its element type and its length in elements. A legacy checkpoint may refer to part of a
/// storage (a view): <see cref="ViewOffset"/> elements in, <see cref="Numel"/> long.
/// </summary>
sealed record StorageRef(string Key, StorageType Type, string Location, long Numel, long ViewOffset = 0);

/// <summary>
/// What <c>torch._utils._rebuild_tensor_v2</c> was asked to build: a strided view of a storage, in elements.
/// <see cref="Sequence"/> counts the tensors in the order the pickle built them, which is the order they were saved in.
/// </summary>
sealed record PickledTensor(StorageRef Storage, long Offset, long[] Size, long[] Stride, int Sequence);

/// <summary>
/// A pickled <c>nn.Module</c> rebuilt as an inert bag of its attributes: the class is recorded by name only, and its
/// state (the module's <c>__dict__</c>) is kept as the pickle's BUILD gave it. Nothing of the class runs.
/// </summary>
sealed class ModuleShell(string className)
{
    public string ClassName { get; } = className;
    public Hashtable? State { get; private set; }

    /// <summary>Called by the unpickler's BUILD with the module's <c>__dict__</c>.</summary>
    public void __setstate__(Hashtable state) => State = state;

    /// <summary>Whether the state has what every <c>nn.Module</c> has: its parameters, buffers and children.</summary>
    public bool IsModule => State is { } s && s["_parameters"] is Hashtable && s["_buffers"] is Hashtable && s["_modules"] is Hashtable;
}

/// <summary>
/// A <c>collections.OrderedDict</c>: a Hashtable, which is what Razorvine's SETITEMS fills. Its order is not kept
/// (Razorvine sets a batch of items last first); a state dict's order is recovered from the order its tensors were
/// pickled in (<see cref="PickledTensor.Sequence"/>). BUILD may give it attributes (a state dict's <c>_metadata</c>),
/// which hold no tensors and are dropped.
/// </summary>
sealed class PickledDict : Hashtable
{
    public void __setstate__(Hashtable attributes) { }
}
