using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace DafL.IO;

/// <summary>
/// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON mapping each
/// tensor name to <c>{"dtype", "shape", "data_offsets": [begin, end)}</c> (byte offsets into the data section) plus
/// an optional <c>"__metadata__"</c> string map, padded with spaces to a multiple of 8, then the little-endian data,
/// tensors back to back. Tensors are float32 here: F32 is stored as is; PyTorch's int64 <c>num_batches_tracked</c>
/// buffers (any key whose last part is that name) are written as I64, so that <c>load_state_dict</c> in PyTorch
/// accepts the file, and I64 tensors are read back as float32 (they must be exact in float32).
/// </summary>
public static class SafeTensors
{
    const string MetadataKey = "__metadata__";
    const string Int64Buffer = "num_batches_tracked";
    const long MaxHeaderBytes = 100L << 20; // what the reference implementation accepts

    static readonly JsonWriterOptions HeaderJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Whether <paramref name="name"/> is stored as I64 (a PyTorch <c>num_batches_tracked</c>).</summary>
    public static bool IsInt64(string name) => name == Int64Buffer || name.EndsWith("." + Int64Buffer, StringComparison.Ordinal);

    // ---------------------------------------------------------------- write

    /// <summary>
    /// Writes the tensors (in the given order) and <paramref name="metadata"/> to <paramref name="path"/> atomically
    /// (a temporary file, then a rename). Errors name the file and the tensor.
    /// </summary>
    public static void Save(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var items = tensors.ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var int64 = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (name, t) in items)
        {
            if (string.IsNullOrEmpty(name) || name == MetadataKey)
                throw new ArgumentException($"{path}: '{name}' cannot name a tensor in a safetensors file.");
            if (!seen.Add(name)) throw new ArgumentException($"{path}: tensor '{name}' is given twice.");
            if (IsInt64(name)) int64[name] = ToInt64(path, name, t);
        }

        var header = Header(items, int64, metadata);
        int pad = (8 - header.Length % 8) % 8; // spaces are allowed after the JSON; they keep the data 8-byte aligned
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(header.Length + pad));
            stream.Write(length);
            stream.Write(header);
            for (int i = 0; i < pad; i++) stream.WriteByte((byte)' ');
            foreach (var (name, t) in items)
            {
                if (int64.TryGetValue(name, out var longs))
                {
                    if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(longs, longs);
                    stream.Write(MemoryMarshal.AsBytes(longs.AsSpan()));
                }
                else
                {
                    var floats = t.ToArray();
                    if (!BitConverter.IsLittleEndian) ReverseFloats(floats);
                    stream.Write(MemoryMarshal.AsBytes(floats.AsSpan()));
                }
            }
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

    /// <summary>The header JSON, compact: metadata first, then the tensors in order with consecutive data offsets.</summary>
    static byte[] Header(List<(string Name, Tensor Tensor)> items, Dictionary<string, long[]> int64, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, HeaderJson))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, t) in items)
            {
                bool i64 = int64.ContainsKey(name);
                long end = offset + t.Numel * (i64 ? 8 : 4);
                w.WriteStartObject(name);
                w.WriteString("dtype", i64 ? "I64" : "F32");
                w.WriteStartArray("shape");
                foreach (var d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(end);
                w.WriteEndArray();
                w.WriteEndObject();
                offset = end;
            }
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    // ---------------------------------------------------------------- read

    /// <summary>One tensor's header entry, validated.</summary>
    readonly record struct Entry(string Name, bool Int64, int[] Shape, long Begin, long End);

    /// <summary>
    /// Reads and validates a file: header length, JSON, every entry's dtype, shape and offsets, and that the tensors
    /// tile the data section exactly. Every error is an <see cref="InvalidDataException"/> naming the file, the tensor
    /// and what was expected. The tensors are float32 on the CPU.
    /// </summary>
    public static SafeTensorsFile Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: safetensors file not found.", path);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long fileLength = RandomAccess.GetLength(handle);
        if (fileLength < 8) throw Bad(path, $"is {fileLength} bytes long; a safetensors file starts with an 8-byte header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        ReadExactly(handle, lengthBytes, 0, path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes || (long)headerLength > fileLength - 8)
            throw Bad(path, $"header length {headerLength} does not fit in a file of {fileLength} bytes (at most {Math.Min(MaxHeaderBytes, fileLength - 8)})");
        var headerBytes = new byte[headerLength];
        ReadExactly(handle, headerBytes, 8, path);
        long dataStart = 8 + (long)headerLength, dataLength = fileLength - dataStart;

        var (entries, metadata) = ParseHeader(path, headerBytes, dataLength);
        CheckTiling(path, entries, dataLength);

        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var e in entries)
                tensors[e.Name] = ReadTensor(path, handle, e, dataStart);
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return new SafeTensorsFile(path, tensors, entries.Select(e => e.Name).ToList(), metadata);
    }

    static (List<Entry>, Dictionary<string, string>) ParseHeader(string path, byte[] header, long dataLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw Bad(path, $"header is not valid JSON ({e.Message})");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad(path, $"header is a JSON {doc.RootElement.ValueKind}, expected an object");
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                string name = property.Name;
                if (!seen.Add(name)) throw Bad(path, $"header names '{name}' twice");
                if (name == MetadataKey)
                {
                    if (property.Value.ValueKind != JsonValueKind.Object) throw Bad(path, $"{MetadataKey} is a JSON {property.Value.ValueKind}, expected an object of strings");
                    foreach (var m in property.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : throw Bad(path, $"{MetadataKey} '{m.Name}' is a JSON {m.Value.ValueKind}, expected a string");
                    continue;
                }
                entries.Add(ParseEntry(path, name, property.Value, dataLength));
            }
            return (entries, metadata);
        }
    }

    static Entry ParseEntry(string path, string name, JsonElement e, long dataLength)
    {
        string where = $"tensor '{name}'";
        if (e.ValueKind != JsonValueKind.Object) throw Bad(path, $"{where}: entry is a JSON {e.ValueKind}, expected an object");
        string dtype = e.TryGetProperty("dtype", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()!
            : throw Bad(path, $"{where}: \"dtype\" is missing or not a string");
        int width = dtype switch
        {
            "F32" => 4,
            "I64" => 8,
            _ => throw Bad(path, $"{where}: dtype {dtype} is not supported (expected F32, or I64 for integer buffers)"),
        };
        if (!e.TryGetProperty("shape", out var s) || s.ValueKind != JsonValueKind.Array)
            throw Bad(path, $"{where}: \"shape\" is missing or not an array");
        var shape = new int[s.GetArrayLength()];
        long count = 1;
        int k = 0;
        foreach (var dim in s.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt32(out int v) || v < 0)
                throw Bad(path, $"{where}: shape entry {dim.GetRawText()} is not a whole number ≥ 0 below 2³¹");
            shape[k++] = v;
            count *= v;
            if (count > int.MaxValue) throw Bad(path, $"{where}: shape {s.GetRawText()} has more than 2³¹ − 1 elements");
        }
        if (!e.TryGetProperty("data_offsets", out var o) || o.ValueKind != JsonValueKind.Array || o.GetArrayLength() != 2
            || !o[0].TryGetInt64(out long begin) || !o[1].TryGetInt64(out long end))
            throw Bad(path, $"{where}: \"data_offsets\" must be an array of two whole numbers [begin, end)");
        if (begin < 0 || end < begin || end > dataLength)
            throw Bad(path, $"{where}: data_offsets [{begin}, {end}) lie outside the {dataLength}-byte data section");
        if (end - begin != count * width)
            throw Bad(path, $"{where}: data_offsets [{begin}, {end}) hold {end - begin} bytes, expected {count * width} for {dtype} {Tensor.ShapeString(shape)}");
        return new Entry(name, dtype == "I64", shape, begin, end);
    }

    /// <summary>The tensors must cover the data section exactly, without gaps or overlaps, as the format requires.</summary>
    static void CheckTiling(string path, List<Entry> entries, long dataLength)
    {
        long at = 0;
        string previous = "the start of the data section";
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin != at)
                throw Bad(path, $"tensor '{e.Name}' starts at data byte {e.Begin}, but {previous} ends at {at} ({(e.Begin < at ? "overlap" : "gap")})");
            at = e.End;
            previous = $"tensor '{e.Name}'";
        }
        if (at != dataLength) throw Bad(path, $"the data section has {dataLength} bytes but the tensors end at byte {at}");
    }

    static Tensor ReadTensor(string path, SafeFileHandle handle, Entry e, long dataStart)
    {
        using var _ = TensorScope.Untracked();
        var t = Tensor.Empty(e.Shape);
        try
        {
            if (!e.Int64)
            {
                var floats = t.Span;
                ReadExactly(handle, MemoryMarshal.AsBytes(floats), dataStart + e.Begin, path);
                if (!BitConverter.IsLittleEndian) ReverseFloats(floats);
                return t;
            }
            var longs = new long[t.Numel];
            ReadExactly(handle, MemoryMarshal.AsBytes(longs.AsSpan()), dataStart + e.Begin, path);
            var dst = t.Span;
            for (int i = 0; i < longs.Length; i++)
            {
                long v = BitConverter.IsLittleEndian ? longs[i] : BinaryPrimitives.ReverseEndianness(longs[i]);
                float f = v;
                if ((long)f != v) throw Bad(path, $"tensor '{e.Name}': I64 element {i} is {v}, which float32 cannot hold exactly");
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

    static void ReadExactly(SafeFileHandle handle, Span<byte> into, long offset, string path)
    {
        while (into.Length > 0)
        {
            int n = RandomAccess.Read(handle, into, offset);
            if (n == 0) throw Bad(path, $"ended early at byte {offset}");
            into = into[n..];
            offset += n;
        }
    }

    static void ReverseFloats(Span<float> values)
    {
        var bits = MemoryMarshal.Cast<float, int>(values);
        BinaryPrimitives.ReverseEndianness(bits, bits);
    }

    static InvalidDataException Bad(string path, string what) => new($"{path}: {what}.");
}
