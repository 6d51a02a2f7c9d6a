using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using DafL.Errors;

namespace DafL.IO;

/// <summary>
/// Parsing and validating the header: UTF-8 JSON of valid strings, each tensor's dtype, shape and offsets within the
/// data section, the metadata as strings, and that the tensors tile the data section. Every error names the file and
/// the field.
/// </summary>
public static partial class SafeTensors
{
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
}
