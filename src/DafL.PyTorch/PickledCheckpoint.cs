namespace DafL.PyTorch;

/// <summary>
/// What a checkpoint file holds before its tensors are made: the unpickled object, and each storage it refers to
/// (the largest reference to it) with its bytes, checked to be as long as the reference says.
/// </summary>
sealed record PickledCheckpoint(object? Root, IReadOnlyDictionary<string, (StorageRef Storage, byte[] Bytes)> Storages, bool BigEndian);
