using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using DafL.Errors;

namespace DafL.IO;

/// <summary>
/// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON mapping each
/// tensor name to <c>{"dtype", "shape", "data_offsets": [begin, end)}</c> (byte offsets into the data section) plus
/// an optional <c>"__metadata__"</c> string map, padded with spaces to a multiple of 8, then the little-endian data,
/// tensors back to back. Tensors are float32 here: F32 is stored as is; PyTorch's int64 <c>num_batches_tracked</c>
/// buffers (any key whose last part is that name) are written as I64, so that <c>load_state_dict</c> in PyTorch
/// accepts the file, and I64 tensors are read back as float32 (they must be exact in float32).
/// <para>
/// Files written here carry a checksum in their metadata (<see cref="ChecksumKey"/>, announced by
/// <see cref="ChecksumAlgorithmKey"/>), verified on load, so that a changed byte anywhere in them is found; files
/// without one (PyTorch's) load unverified. The digest is the SHA-256 of the canonical description of the header
/// (<see cref="Canonical"/>) followed by the whole data section.
/// </para>
/// </summary>
public static class SafeTensors
{
    const string MetadataKey = "__metadata__";
    const string Int64Buffer = "num_batches_tracked";
    const long MaxHeaderBytes = 100L << 20; // what the reference implementation accepts
    /// <summary>NumPy 2's limit: no real tensor comes near it, and it bounds what a header of many tiny dimensions costs.</summary>
    const int MaxRank = 64;
    const string WhatFile = "safetensors file";

    /// <summary>The metadata key of the lowercase hex SHA-256 digest of a file written here.</summary>
    public const string ChecksumKey = "dafl_sha256";

    /// <summary>
    /// The metadata key that announces the checksum (value <c>sha256</c>). It is there so that no one changed byte can
    /// make a checked file pass for an unchecked one: damage to the name of <see cref="ChecksumKey"/> leaves this key,
    /// and damage to this one is covered by the digest.
    /// </summary>
    public const string ChecksumAlgorithmKey = "dafl_checksum";
    const string ChecksumAlgorithm = "sha256";

    static readonly JsonWriterOptions HeaderJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Whether <paramref name="name"/> is stored as I64 (a PyTorch <c>num_batches_tracked</c>).</summary>
    public static bool IsInt64(string name) => name == Int64Buffer || name.EndsWith("." + Int64Buffer, StringComparison.Ordinal);

    /// <summary>One tensor's header entry: what it is and where its bytes lie in the data section.</summary>
    readonly record struct Entry(string Name, bool Int64, int[] Shape, long Begin, long End)
    {
        public string Dtype => Int64 ? "I64" : "F32";
    }

    // ---------------------------------------------------------------- write

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

    /// <summary>
    /// What the checksum covers of the header: the meaning of it, not its bytes, so that a file written with other
    /// spacing, escapes or key order (a JSON object has none) has the same digest. Compact JSON
    /// <c>{"tensors":[[name,dtype,[shape],begin,end],…],"metadata":[[key,value],…]}</c>: the tensors in offset order
    /// (<see cref="InDataOrder"/>), the metadata sorted by key (ordinal) without <see cref="ChecksumKey"/>, strings
    /// escaped as <see cref="Save"/> writes them (only what JSON requires).
    /// </summary>
    static byte[] Canonical(IEnumerable<Entry> entries, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, HeaderJson))
        {
            w.WriteStartObject();
            w.WriteStartArray("tensors");
            foreach (var e in InDataOrder(entries))
            {
                w.WriteStartArray();
                w.WriteStringValue(e.Name);
                w.WriteStringValue(e.Dtype);
                w.WriteStartArray();
                foreach (var d in e.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteNumberValue(e.Begin);
                w.WriteNumberValue(e.End);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteStartArray("metadata");
            foreach (var (k, v) in metadata.Where(m => m.Key != ChecksumKey).OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                w.WriteStartArray();
                w.WriteStringValue(k);
                w.WriteStringValue(v);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The entries by offset (begin, then end), empty tensors at one offset by name: the order of the data section.</summary>
    static IEnumerable<Entry> InDataOrder(IEnumerable<Entry> entries) =>
        entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ThenBy(e => e.Name, StringComparer.Ordinal);

    // ---------------------------------------------------------------- read

    /// <summary>
    /// Reads and validates a file: header length, JSON, every entry's dtype, shape and offsets, that the tensors tile
    /// the data section exactly, the checksum when the file has one, and that every value is finite. The whole header
    /// is checked before any tensor is made, and no more is allocated than the file holds. Every error is an
    /// <see cref="InputException"/> naming the file and the field (the tensor). The tensors are float32 on the CPU.
    /// </summary>
    public static SafeTensorsFile Load(string path)
    {
        var (stream, fileLength) = InputFile.OpenRead(path, WhatFile);
        using (stream)
        {
            if (fileLength < 8) throw new InputException(path, "header length", "an 8-byte header length", $"a file of {fileLength} bytes");
            Span<byte> lengthBytes = stackalloc byte[8];
            ReadExactly(stream, lengthBytes, path, "header length");
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            long most = Math.Min(MaxHeaderBytes, fileLength - 8);
            if (headerLength > (ulong)most)
                throw new InputException(path, "header length", $"at most {most} bytes (the file has {fileLength}, a header at most {MaxHeaderBytes})", $"{headerLength}");
            var headerBytes = new byte[headerLength];
            ReadExactly(stream, headerBytes, path, "header JSON");
            long dataLength = fileLength - 8 - (long)headerLength;

            var (entries, metadata) = ParseHeader(path, headerBytes, dataLength);
            CheckTiling(path, entries, dataLength);
            string? written = WrittenDigest(path, metadata);

            using var hash = written is null ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            hash?.AppendData(Canonical(entries, metadata));
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            try
            {
                // The tiling check makes the tensors in offset order one run of the data section: read it front to back.
                InputException? inexact = null; // reported after the checksum: a damaged file is said to be damaged
                foreach (var e in InDataOrder(entries))
                    tensors[e.Name] = ReadTensor(path, stream, e, hash, ref inexact);
                if (hash is not null)
                {
                    string found = Convert.ToHexStringLower(hash.GetHashAndReset());
                    if (found != written)
                        throw new InputException(path, $"checksum ({ChecksumKey})", written!, found,
                            "The file was changed or damaged after it was written; restore it from a copy or write it again.");
                }
                if (inexact is not null) throw inexact;
                foreach (var e in entries)
                    if (!e.Int64) CheckFinite(path, e.Name, tensors[e.Name]);
            }
            catch
            {
                foreach (var t in tensors.Values) t.Dispose();
                throw;
            }
            metadata.Remove(ChecksumKey);
            metadata.Remove(ChecksumAlgorithmKey);
            return new SafeTensorsFile(path, tensors, entries.Select(e => e.Name).ToList(), metadata, verified: written is not null);
        }
    }

    /// <summary>The digest the file was written with, or null for a file without a checksum (not written here).</summary>
    static string? WrittenDigest(string path, Dictionary<string, string> metadata)
    {
        bool announced = metadata.TryGetValue(ChecksumAlgorithmKey, out var algorithm);
        if (announced && algorithm != ChecksumAlgorithm)
            throw new InputException(path, $"checksum ({ChecksumAlgorithmKey})", ChecksumAlgorithm, $"'{InputText.Show(algorithm!)}'");
        if (!metadata.TryGetValue(ChecksumKey, out var digest))
            return announced ? throw new InputException(path, $"checksum ({ChecksumKey})", $"a digest, as {ChecksumAlgorithmKey} announces", "none") : null;
        if (digest.Length != 64 || !digest.All(char.IsAsciiHexDigitLower))
            throw new InputException(path, $"checksum ({ChecksumKey})", "64 lowercase hex digits", $"'{InputText.Show(digest)}'");
        return digest;
    }

    static (List<Entry>, Dictionary<string, string>) ParseHeader(string path, byte[] header, long dataLength)
    {
        if (!Utf8.IsValid(header))
            throw new InputException(path, "header JSON", "UTF-8 text", $"a byte that is not UTF-8 at header byte {FirstInvalidUtf8(header)}");
        JsonDocument doc;
        try
        {
            CheckStrings(path, header);
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new InputException(path, "header JSON", "a JSON object", $"invalid JSON ({InputText.Show(e.Message, 160)})");
        }
        using (doc)
            return ParseRoot(path, doc.RootElement, dataLength);
    }

    /// <summary>
    /// Refuses what valid UTF-8 can still hide in JSON: an escaped lone surrogate (<c>"\ud800"</c>), which no .NET
    /// string may hold (reading it would throw deep inside the parse). Invalid JSON is a <see cref="JsonException"/>.
    /// </summary>
    static void CheckStrings(string path, byte[] header)
    {
        var reader = new Utf8JsonReader(header);
        while (reader.Read())
        {
            if (reader.TokenType is not (JsonTokenType.PropertyName or JsonTokenType.String) || !reader.ValueIsEscaped) continue;
            try
            {
                reader.GetString();
            }
            catch (InvalidOperationException e)
            {
                throw new InputException(path, "header JSON", "strings of valid Unicode",
                    $"an escape that is not at header byte {reader.TokenStartIndex} ({InputText.Show(e.Message, 160)})");
            }
        }
    }

    static long FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        long at = 0;
        while (Rune.DecodeFromUtf8(bytes, out _, out int used) == OperationStatus.Done)
        {
            bytes = bytes[used..];
            at += used;
        }
        return at;
    }

    static (List<Entry>, Dictionary<string, string>) ParseRoot(string path, JsonElement root, long dataLength)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new InputException(path, "header JSON", "a JSON object", $"a JSON {root.ValueKind}");
        var entries = new List<Entry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            string name = property.Name;
            if (!seen.Add(name)) throw new InputException(path, Field(name, ""), "each name once in the header", "it twice");
            if (name != MetadataKey)
            {
                entries.Add(ParseEntry(path, name, property.Value, dataLength));
                continue;
            }
            if (property.Value.ValueKind != JsonValueKind.Object) throw new InputException(path, MetadataKey, "an object of strings", $"a JSON {property.Value.ValueKind}");
            foreach (var m in property.Value.EnumerateObject())
            {
                string where = $"{MetadataKey} '{InputText.Show(m.Name)}'";
                if (m.Value.ValueKind != JsonValueKind.String) throw new InputException(path, where, "a string", $"a JSON {m.Value.ValueKind}");
                if (!metadata.TryAdd(m.Name, m.Value.GetString()!)) throw new InputException(path, where, "each key once", "it twice");
            }
        }
        return (entries, metadata);
    }

    /// <summary>The field of tensor <paramref name="name"/> in errors: "tensor 'conv1.weight' dtype".</summary>
    static string Field(string name, string part) => part.Length == 0 ? $"tensor '{InputText.Show(name)}'" : $"tensor '{InputText.Show(name)}' {part}";

    static Entry ParseEntry(string path, string name, JsonElement e, long dataLength)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new InputException(path, Field(name, ""), "an object {dtype, shape, data_offsets}", $"a JSON {e.ValueKind}");
        string dtype = e.TryGetProperty("dtype", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()!
            : throw new InputException(path, Field(name, "dtype"), "a string", d.ValueKind == JsonValueKind.Undefined ? "none" : $"a JSON {d.ValueKind}");
        int width = dtype switch
        {
            "F32" => 4,
            "I64" => 8,
            _ => throw new InputException(path, Field(name, "dtype"), "F32, or I64 for integer buffers", InputText.Show(dtype)),
        };
        int[] shape = ParseShape(path, name, e);
        long count = Tensor.NumelOf(shape); // ParseShape keeps even the product of the nonzero sizes below 2³¹

        string offsets = Field(name, "data_offsets");
        if (!e.TryGetProperty("data_offsets", out var o) || o.ValueKind != JsonValueKind.Array || o.GetArrayLength() != 2
            || o[0].ValueKind != JsonValueKind.Number || o[1].ValueKind != JsonValueKind.Number
            || !o[0].TryGetInt64(out long begin) || !o[1].TryGetInt64(out long end))
            throw new InputException(path, offsets, "an array of two whole numbers [begin, end)", o.ValueKind == JsonValueKind.Undefined ? "none" : Raw(o));
        if (begin < 0 || end < begin || end > dataLength)
            throw new InputException(path, offsets, $"0 ≤ begin ≤ end ≤ {dataLength} (the data section's length)", $"[{begin}, {end})");
        if (end - begin != count * width)
            throw new InputException(path, offsets, $"{count * width} bytes for {dtype} {Tensor.ShapeString(shape)}", $"[{begin}, {end}), {end - begin} bytes");
        return new Entry(name, dtype == "I64", shape, begin, end);
    }

    static int[] ParseShape(string path, string name, JsonElement e)
    {
        string field = Field(name, "shape");
        if (!e.TryGetProperty("shape", out var s) || s.ValueKind != JsonValueKind.Array)
            throw new InputException(path, field, "an array of sizes", s.ValueKind == JsonValueKind.Undefined ? "none" : $"a JSON {s.ValueKind}");
        int rank = s.GetArrayLength();
        if (rank > MaxRank) throw new InputException(path, field, $"at most {MaxRank} dimensions", $"{rank}");
        var shape = new int[rank];
        long extent = 1; // product of the sizes with 0 taken as 1: what the strides of the tensor must hold
        int k = 0;
        foreach (var dim in s.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt32(out int v) || v < 0)
                throw new InputException(path, field, "whole numbers from 0 to 2³¹ − 1", Raw(dim));
            shape[k++] = v;
            extent *= Math.Max(v, 1);
            if (extent > int.MaxValue) throw new InputException(path, field, "at most 2³¹ − 1 elements (zero sizes aside)", Raw(s));
        }
        return shape;
    }

    /// <summary>A JSON value from the header, as written, shortened for a one-line message.</summary>
    static string Raw(JsonElement value) => InputText.Show(value.GetRawText(), 60);

    /// <summary>The tensors must cover the data section exactly, without gaps or overlaps, as the format requires.</summary>
    static void CheckTiling(string path, List<Entry> entries, long dataLength)
    {
        long at = 0;
        string previous = "the start of the data section";
        foreach (var e in InDataOrder(entries))
        {
            if (e.Begin != at)
                throw new InputException(path, Field(e.Name, "data_offsets"), $"to start at byte {at}, where {previous} ends", $"[{e.Begin}, {e.End}) ({(e.Begin < at ? "an overlap" : "a gap")})");
            at = e.End;
            previous = Field(e.Name, "");
        }
        if (at != dataLength) throw new InputException(path, "data section", $"{at} bytes, as the tensors' data_offsets say", $"{dataLength} bytes");
    }

    /// <summary>
    /// Reads the next tensor, <paramref name="e"/>, from <paramref name="stream"/> (which is at its first byte),
    /// hashing its bytes; the first I64 value that float32 cannot hold becomes <paramref name="inexact"/>.
    /// </summary>
    static Tensor ReadTensor(string path, Stream stream, Entry e, IncrementalHash? hash, ref InputException? inexact)
    {
        using var _ = TensorScope.Untracked();
        var t = Tensor.Empty(e.Shape); // e.End − e.Begin bytes of the file, which the tiling check has bounded
        try
        {
            if (!e.Int64)
            {
                var bytes = MemoryMarshal.AsBytes(t.Span);
                ReadExactly(stream, bytes, path, "data section");
                hash?.AppendData(bytes);
                if (!BitConverter.IsLittleEndian) ReverseFloats(t.Span);
                return t;
            }
            var longs = new long[t.Numel];
            ReadExactly(stream, MemoryMarshal.AsBytes(longs.AsSpan()), path, "data section");
            hash?.AppendData(MemoryMarshal.AsBytes(longs.AsSpan()));
            var dst = t.Span;
            for (int i = 0; i < longs.Length; i++)
            {
                long v = BitConverter.IsLittleEndian ? longs[i] : BinaryPrimitives.ReverseEndianness(longs[i]);
                float f = v;
                if (((long)f != v || v == long.MaxValue) && inexact is null) // (long)2⁶³ as a float saturates back to long.MaxValue
                    inexact = new InputException(path, Field(e.Name, ""), "I64 values that float32 holds exactly", $"{v} at element {i}");
                dst[i] = f;
            }
            return t;
        }
        catch
        {
            t.Dispose();
            throw;
        }
    }

    static void CheckFinite(string path, string name, Tensor t)
    {
        var values = t.Span;
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new InputException(path, Field(name, ""), "finite values", $"{(float.IsNaN(values[i]) ? "NaN" : values[i] > 0 ? "+Inf" : "-Inf")} at element {i}");
    }

    /// <summary>Fills <paramref name="into"/> from <paramref name="stream"/>; a file that shrank since it was checked is an error naming <paramref name="field"/>.</summary>
    static void ReadExactly(Stream stream, Span<byte> into, string path, string field)
    {
        int n = stream.ReadAtLeast(into, into.Length, throwOnEndOfStream: false);
        if (n < into.Length)
            throw new InputException(path, field, $"{into.Length} more bytes at byte {stream.Position - n}", $"the file ends after {n} (it shrank while being read)");
    }

    static void ReverseFloats(Span<float> values)
    {
        var bits = MemoryMarshal.Cast<float, int>(values);
        BinaryPrimitives.ReverseEndianness(bits, bits);
    }

}
