using System.Buffers.Binary;
using System.Collections;
using System.Numerics;
using DafL.Errors;
using DafL.IO;
using static DafL.PyTorch.TorchConstructors;

namespace DafL.PyTorch;

/// <summary>
/// The legacy format of <c>torch.save</c> (before PyTorch 1.6, or <c>_use_new_zipfile_serialization=False</c>): five
/// pickles back to back — torch's magic number, the protocol version 1001, the writer's byte order and type sizes,
/// the object (its persistent ids name the storages by key), the list of storage keys — then each listed storage
/// as an int64 element count and its bytes.
/// </summary>
static class LegacyCheckpoint
{
    static readonly BigInteger Magic = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);
    const int ProtocolVersion = 1001;

    public static PickledCheckpoint Read(string path)
    {
        long length = InputFile.Check(path, "PyTorch checkpoint");
        if (length > Array.MaxLength) throw new InputException(path, "size", $"at most {Array.MaxLength} bytes (a legacy checkpoint is read whole)", $"{length}");
        var data = File.ReadAllBytes(path);
        var (magic, at) = new TorchUnpickler(path).Load(data, 0);
        if (!(magic is BigInteger m && m == Magic)) throw new InputException(path, "magic number", "torch's 0x1950a86a20f9469cfc6c", Describe(magic));
        (var protocol, at) = new TorchUnpickler(path).Load(data, at);
        if (!(protocol is int p && p == ProtocolVersion)) throw new InputException(path, "protocol version", $"{ProtocolVersion}", Describe(protocol));
        (var info, at) = new TorchUnpickler(path).Load(data, at);
        bool bigEndian = info is Hashtable sys && sys["little_endian"] is false;
        var unpickler = new TorchUnpickler(path);
        (var root, at) = unpickler.Load(data, at);
        (var keys, at) = new TorchUnpickler(path).Load(data, at);
        if (keys is not ArrayList listed || listed.Cast<object>().Any(k => k is not string))
            throw new InputException(path, "storage keys", "a list of strings", Describe(keys));

        var storages = new Dictionary<string, (StorageRef, byte[])>(StringComparer.Ordinal);
        foreach (string key in listed)
        {
            string field = $"storage '{InputText.Show(key)}'";
            if (!unpickler.Storages.TryGetValue(key, out var storage))
                throw new InputException(path, field, "a storage the object refers to", "one it does not");
            if (data.Length - at < 8) throw new InputException(path, field, "its element count (8 bytes)", $"the file ends at byte {data.Length}");
            var countBytes = data.AsSpan(at, 8);
            long count = bigEndian ? BinaryPrimitives.ReadInt64BigEndian(countBytes) : BinaryPrimitives.ReadInt64LittleEndian(countBytes);
            at += 8;
            if (count != storage.Numel) throw new InputException(path, $"{field} size", $"{storage.Numel} elements, as the object says", $"{count}");
            long bytes = count * storage.Type.ElementSize;
            if (bytes > data.Length - at)
                throw new InputException(path, field, $"{bytes} bytes ({count} {storage.Type.Dtype} values)", $"the file ends after {data.Length - at} (it is truncated)");
            storages[key] = (storage, data[at..(at + (int)bytes)]);
            at += (int)bytes;
        }
        if (unpickler.Storages.Keys.FirstOrDefault(k => !storages.ContainsKey(k)) is { } missing)
            throw new InputException(path, $"storage '{InputText.Show(missing)}'", "the storage a tensor refers to, in the list of storages", "it is not listed (the file is incomplete)");
        return new PickledCheckpoint(root, storages, bigEndian);
    }
}
