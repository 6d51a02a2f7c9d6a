using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace DafL.IO;

/// <summary>Writing a safetensors file: the entries and their offsets, the header JSON, the data, the checksum added.</summary>
public static partial class SafeTensors
{
    /// <summary>
    /// Writes the tensors (in the given order) and <paramref name="metadata"/> to <paramref name="path"/> atomically
    /// (a temporary file, then a rename), with the checksum added to the metadata. Errors name the file and the tensor.
    /// </summary>
    public static void Save(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var items = tensors.ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var int64 = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var entries = new List<Entry>(items.Count);
        long offset = 0;
        foreach (var (name, t) in items)
        {
            if (string.IsNullOrEmpty(name) || name == MetadataKey)
                throw new ArgumentException($"{path}: '{name}' cannot name a tensor in a safetensors file.");
            if (!seen.Add(name)) throw new ArgumentException($"{path}: tensor '{name}' is given twice.");
            bool i64 = IsInt64(name);
            if (i64) int64[name] = ToInt64(path, name, t);
            long end = offset + t.Numel * (i64 ? 8 : 4);
            entries.Add(new Entry(name, i64, t.Shape, offset, end));
            offset = end;
        }
        foreach (var key in new[] { ChecksumKey, ChecksumAlgorithmKey })
            if (metadata?.ContainsKey(key) == true) throw new ArgumentException($"{path}: metadata key '{key}' is the checksum's, written by Save itself.");
        var meta = new List<KeyValuePair<string, string>>(metadata ?? new Dictionary<string, string>());
        meta.Add(new(ChecksumAlgorithmKey, ChecksumAlgorithm));

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Canonical(entries, meta));
        ForEachData(items, int64, hash.AppendData);
        meta.Add(new(ChecksumKey, Convert.ToHexStringLower(hash.GetHashAndReset())));

        var header = Header(entries, meta);
        int pad = (8 - header.Length % 8) % 8; // spaces are allowed after the JSON; they keep the data 8-byte aligned
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(header.Length + pad));
            stream.Write(length);
            stream.Write(header);
            for (int i = 0; i < pad; i++) stream.WriteByte((byte)' ');
            ForEachData(items, int64, stream.Write);
        });
    }

    static long[] ToInt64(string path, string name, Tensor t)
    {
        var values = t.ToArray();
        var result = new long[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (!(MathF.Abs(v) < 9.2e18f) || v != MathF.Floor(v))
                throw new ArgumentException($"{path}: tensor '{name}' is stored as I64 but element {i} is {v}, not a whole number.");
            result[i] = (long)v;
        }
        return result;
    }

    /// <summary>Hands each tensor's bytes, as stored (little-endian), to <paramref name="sink"/> in file order.</summary>
    static void ForEachData(List<(string Name, Tensor Tensor)> items, Dictionary<string, long[]> int64, Action<ReadOnlySpan<byte>> sink)
    {
        foreach (var (name, t) in items)
        {
            if (int64.TryGetValue(name, out var longs))
            {
                var stored = longs; // kept as numbers for the next pass: a big-endian host swaps a copy
                if (!BitConverter.IsLittleEndian)
                {
                    stored = new long[longs.Length];
                    BinaryPrimitives.ReverseEndianness(longs, stored);
                }
                sink(MemoryMarshal.AsBytes(stored.AsSpan()));
            }
            else
            {
                var floats = t.ToArray();
                if (!BitConverter.IsLittleEndian) ReverseFloats(floats);
                sink(MemoryMarshal.AsBytes(floats.AsSpan()));
            }
        }
    }

    /// <summary>The header JSON, compact: metadata first, then the tensors in order.</summary>
    static byte[] Header(List<Entry> entries, List<KeyValuePair<string, string>> metadata)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, HeaderJson))
        {
            w.WriteStartObject();
            w.WriteStartObject(MetadataKey);
            foreach (var (k, v) in metadata) w.WriteString(k, v);
            w.WriteEndObject();
            foreach (var e in entries)
            {
                w.WriteStartObject(e.Name);
                w.WriteString("dtype", e.Dtype);
                w.WriteStartArray("shape");
                foreach (var d in e.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(e.Begin);
                w.WriteNumberValue(e.End);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
