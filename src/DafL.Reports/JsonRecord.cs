using System.Text.Json;
using DafL.Errors;

namespace DafL.Reports;

/// <summary>
/// One JSON object of a run's files, read field by field: a missing or mistyped field is an
/// <see cref="InputException"/> naming <see cref="Source"/> (the file, and the line of a JSON Lines log) and the field.
/// Unknown fields are ignored, so a later dafl's logs stay readable.
/// </summary>
public readonly record struct JsonRecord(JsonElement Element, string Source)
{
    public bool Has(string key) => Element.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null;

    public double Number(string key) => OptionalNumber(key) ?? throw Missing(key, "a number");

    /// <summary>A number, or null when the field is absent or null (a value the run did not measure).</summary>
    public double? OptionalNumber(string key)
    {
        if (!Element.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && double.IsFinite(d) ? d : throw Wrong(key, "a finite number", v);
    }

    public int Int(string key)
    {
        var v = Field(key, "a whole number");
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) ? n : throw Wrong(key, "a whole number", v);
    }

    public string String(string key) => OptionalString(key) ?? throw Missing(key, "a string");

    public string? OptionalString(string key)
    {
        if (!Element.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Wrong(key, "a string", v);
    }

    public JsonRecord Object(string key)
    {
        var v = Field(key, "an object");
        return v.ValueKind == JsonValueKind.Object ? new JsonRecord(v, Source) : throw Wrong(key, "an object", v);
    }

    /// <summary>An array of arrays of whole numbers ≥ 0, <paramref name="rows"/> × <paramref name="rows"/> (a confusion matrix).</summary>
    public long[,] SquareCounts(string key, int rows)
    {
        var v = Field(key, $"{rows} rows of {rows} counts");
        string expected = $"{rows} rows of {rows} whole numbers ≥ 0";
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != rows) throw Wrong(key, expected, v);
        var counts = new long[rows, rows];
        int r = 0;
        foreach (var row in v.EnumerateArray())
        {
            if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() != rows) throw Wrong(key, expected, v);
            int c = 0;
            foreach (var count in row.EnumerateArray())
                counts[r, c++] = count.ValueKind == JsonValueKind.Number && count.TryGetInt64(out long n) && n >= 0 ? n : throw Wrong(key, expected, v);
            r++;
        }
        return counts;
    }

    /// <summary>Parses <paramref name="json"/>, which must be one JSON object.</summary>
    public static JsonRecord Parse(string json, string source)
    {
        try
        {
            // Cloned: the element outlives the document, which a report reads whole and drops.
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement.Clone();
            return root.ValueKind == JsonValueKind.Object ? new JsonRecord(root, source)
                : throw new InputException(source, "JSON", "one object", Kind(root));
        }
        catch (JsonException e)
        {
            throw new InputException(source, "JSON", "valid JSON", $"an error at byte {e.BytePositionInLine + 1}", inner: e);
        }
    }

    JsonElement Field(string key, string expected) =>
        Element.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? v : throw Missing(key, expected);

    InputException Missing(string key, string expected) => new(Source, key, expected, "no such field");

    InputException Wrong(string key, string expected, JsonElement found) => new(Source, key, expected, InputText.Show(found.GetRawText()));

    static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        _ => InputText.Show(e.GetRawText()),
    };
}
