using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DafL.IO;

/// <summary>
/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header mapping each
/// tensor name to {dtype, shape, data_offsets [begin, end)} relative to the data section, an optional
/// "__metadata__" string map, then the raw little-endian data. F32 tensors load as float32; I64 (PyTorch's
/// <c>num_batches_tracked</c>) and F64 load converted to float32. Keys ending in "num_batches_tracked" are written
/// as I64 so that PyTorch's <c>load_state_dict</c> accepts them.
/// </summary>
public static class SafeTensors
{
    const long MaxHeaderBytes = 100L << 20;

    /// <summary>Writes the tensors (in the given order) and metadata atomically (temp file, then rename).</summary>
    public static void Save(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var items = tensors.Select(t => (t.Name, Data: t.Tensor.ToArray(), Shape: t.Tensor.Shape, I64: t.Name.EndsWith("num_batches_tracked", StringComparison.Ordinal))).ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var (name, data, shape, i64) in items)
        {
            long bytes = data.LongLength * (i64 ? 8 : 4);
            header[name] = new JsonObject
            {
                ["dtype"] = i64 ? "I64" : "F32",
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int pad = (8 - json.Length % 8) % 8; // the format allows trailing spaces; keeps the data 8-byte aligned
        AtomicFile.Write(path, stream =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)(json.Length + pad));
            stream.Write(len);
            stream.Write(json);
            for (int i = 0; i < pad; i++) stream.WriteByte((byte)' ');
            foreach (var (_, data, _, i64) in items)
            {
                if (i64)
                {
                    var buf = new byte[data.Length * 8];
                    for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(buf.AsSpan(i * 8), checked((long)data[i]));
                    stream.Write(buf);
                }
                else
                {
                    var buf = new byte[data.Length * 4];
                    for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(buf.AsSpan(i * 4), data[i]);
                    stream.Write(buf);
                }
            }
        });
    }

    /// <summary>A loaded file: tensors by name (in file order) and metadata. Dispose to free the tensors.</summary>
    public sealed class File : IDisposable
    {
        public required string Path { get; init; }
        public required IReadOnlyDictionary<string, Tensor> Tensors { get; init; }
        public required IReadOnlyList<string> Names { get; init; }
        public required IReadOnlyDictionary<string, string> Metadata { get; init; }

        public void Dispose()
        {
            foreach (var t in Tensors.Values) t.Dispose();
        }
    }

    /// <summary>Reads and validates a file; every error names the file, the tensor and what was expected.</summary>
    public static File Load(string path)
    {
        if (!System.IO.File.Exists(path)) throw new FileNotFoundException($"{path}: safetensors file not found.", path);
        var bytes = System.IO.File.ReadAllBytes(path);
        if (bytes.Length < 8) throw Bad(path, $"is {bytes.Length} bytes long; a safetensors file starts with an 8-byte header length");
        ulong headerLen = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLen > MaxHeaderBytes || (long)headerLen > bytes.Length - 8)
            throw Bad(path, $"header length {headerLen} does not fit in a file of {bytes.Length} bytes");
        JsonObject header;
        try
        {
            header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLen)) as JsonObject
                ?? throw Bad(path, "header is not a JSON object");
        }
        catch (JsonException e)
        {
            throw Bad(path, $"header is not valid JSON ({e.Message})");
        }
        long dataStart = 8 + (long)headerLen, dataLen = bytes.Length - dataStart;
        var tensors = new Dictionary<string, Tensor>();
        var names = new List<string>();
        var metadata = new Dictionary<string, string>();
        try
        {
            foreach (var (name, node) in header)
            {
                if (name == "__metadata__")
                {
                    if (node is not JsonObject meta) throw Bad(path, "__metadata__ is not an object of strings");
                    foreach (var (k, v) in meta)
                        metadata[k] = v is JsonValue jv && jv.TryGetValue<string>(out var sv) ? sv : throw Bad(path, $"__metadata__ '{k}' is not a string");
                    continue;
                }
                if (node is not JsonObject entry) throw Bad(path, $"tensor '{name}': entry is not an object");
                string dtype = entry["dtype"]?.GetValue<string>() ?? throw Bad(path, $"tensor '{name}': missing dtype");
                int[] shape = (entry["shape"] as JsonArray)?.Select(d => d!.GetValue<int>()).ToArray() ?? throw Bad(path, $"tensor '{name}': missing shape");
                long[] offsets = (entry["data_offsets"] as JsonArray)?.Select(d => d!.GetValue<long>()).ToArray() ?? throw Bad(path, $"tensor '{name}': missing data_offsets");
                if (offsets.Length != 2) throw Bad(path, $"tensor '{name}': data_offsets must be [begin, end]");
                if (shape.Any(d => d < 0)) throw Bad(path, $"tensor '{name}': negative dimension in shape {Tensor.ShapeString(shape)}");
                int width = dtype switch { "F32" => 4, "I64" => 8, "F64" => 8, _ => throw Bad(path, $"tensor '{name}': dtype {dtype} is not supported (expected F32, F64 or I64)") };
                long count = Tensor.NumelOf(shape);
                if (offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLen)
                    throw Bad(path, $"tensor '{name}': data_offsets [{offsets[0]}, {offsets[1]}) lie outside the {dataLen}-byte data section");
                if (offsets[1] - offsets[0] != count * width)
                    throw Bad(path, $"tensor '{name}': {offsets[1] - offsets[0]} bytes of data, expected {count * width} for {dtype} {Tensor.ShapeString(shape)}");
                var values = new float[count];
                var src = bytes.AsSpan((int)(dataStart + offsets[0]), (int)(offsets[1] - offsets[0]));
                for (int i = 0; i < count; i++)
                    values[i] = dtype switch
                    {
                        "F32" => BinaryPrimitives.ReadSingleLittleEndian(src[(i * 4)..]),
                        "F64" => (float)BinaryPrimitives.ReadDoubleLittleEndian(src[(i * 8)..]),
                        _ => BinaryPrimitives.ReadInt64LittleEndian(src[(i * 8)..]),
                    };
                using (TensorScope.Untracked()) tensors[name] = Tensor.FromArray(values, shape);
                names.Add(name);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw Bad(path, $"header has a field of the wrong type ({e.Message})");
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return new File { Path = path, Tensors = tensors, Names = names, Metadata = metadata };
    }

    static InvalidDataException Bad(string path, string what) => new($"{path}: {what}.");
}
