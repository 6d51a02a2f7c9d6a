using System.Text.Json;
using DafL.Errors;

namespace DafL.Training;

/// <summary>
/// A JSON object read field by field, each field with its own type, so that a bad settings file is reported as
/// "file: key: expected a type, found the text" instead of a serializer's exception. Every key must be read once
/// (<see cref="ThrowIfUnread"/> refuses the keys nobody asked for), and every key asked for must be there.
/// </summary>
public sealed class StrictJsonObject : IDisposable
{
    readonly JsonDocument _document;
    readonly Dictionary<string, JsonElement> _fields = new(StringComparer.Ordinal);
    readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>The source named in errors (a file's path).</summary>
    public string Source { get; }

    StrictJsonObject(JsonDocument document, string source)
    {
        _document = document;
        Source = source;
    }

    /// <summary>Parses <paramref name="json"/>, which must be one JSON object with each key once.</summary>
    public static StrictJsonObject Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is { } line ? $"an error at line {line + 1}, byte {e.BytePositionInLine + 1}" : "an error";
            throw new InputException(source, "JSON", "valid JSON", where, inner: e);
        }
        var result = new StrictJsonObject(document, source);
        try
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new InputException(source, "JSON", "an object of settings", Kind(document.RootElement));
            foreach (var property in document.RootElement.EnumerateObject())
                if (!result._fields.TryAdd(property.Name, property.Value))
                    throw new InputException(source, InputText.Show(property.Name), "each key once", "it twice");
            return result;
        }
        catch (InvalidOperationException e) // a key whose escapes are no valid UTF-16
        {
            document.Dispose();
            throw new InputException(source, "JSON", "keys that are valid text", "an invalid escape in a key", inner: e);
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    public int Int(string key) => Read<int>(key, "a whole number (32-bit)", e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v) ? v : null);

    public ulong ULong(string key) => Read<ulong>(key, "a whole number ≥ 0 (64-bit)", e => e.ValueKind == JsonValueKind.Number && e.TryGetUInt64(out ulong v) ? v : null);

    /// <summary>A number that is a finite float32 (JSON numbers beyond its range would become infinite).</summary>
    public float Float(string key) => Read(key, "a number (32-bit float)",
        e => e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double d) && float.IsFinite((float)d) ? (float)d : (float?)null);

    public string String(string key) => ReadRef(key, "a string", Text);

    /// <summary>A string that <paramref name="accept"/> takes; <paramref name="expected"/> says what it takes.</summary>
    public string String(string key, string expected, Func<string, bool> accept) =>
        ReadRef(key, expected, e => Text(e) is { } text && accept(text) ? text : null);

    /// <summary>A string that <paramref name="parse"/> turns into a value (null: it does not); <paramref name="expected"/> says what it takes.</summary>
    public T String<T>(string key, string expected, Func<string, T?> parse) where T : struct =>
        Read(key, expected, e => Text(e) is { } text ? parse(text) : null);

    public int[] Ints(string key) => ReadRef(key, "an array of whole numbers (32-bit)", e =>
    {
        if (e.ValueKind != JsonValueKind.Array) return null;
        var values = new List<int>();
        foreach (var item in e.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int v)) return null;
            values.Add(v);
        }
        return values.ToArray();
    });

    /// <summary>An enum value by its name in any case, named in errors as declared; numbers and combinations are refused.</summary>
    public T Enum<T>(string key) where T : struct, Enum
    {
        var names = System.Enum.GetNames<T>();
        return Read<T>(key, $"one of {string.Join(", ", names)}", e =>
        {
            string? text = Text(e);
            string? name = names.FirstOrDefault(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
            return name == null ? null : System.Enum.Parse<T>(name);
        });
    }

    /// <summary>Throws for the first key of the object that no read asked for.</summary>
    public void ThrowIfUnread()
    {
        foreach (var key in _fields.Keys)
            if (!_read.Contains(key)) throw new InputException(Source, InputText.Show(key), "a known setting", "an unknown key");
    }

    public void Dispose() => _document.Dispose();

    T Read<T>(string key, string expected, Func<JsonElement, T?> convert) where T : struct =>
        convert(Field(key, expected)) ?? throw Wrong(key, expected);

    T ReadRef<T>(string key, string expected, Func<JsonElement, T?> convert) where T : class =>
        convert(Field(key, expected)) ?? throw Wrong(key, expected);

    JsonElement Field(string key, string expected)
    {
        if (!_fields.TryGetValue(key, out var value)) throw new InputException(Source, key, expected, "no such key");
        _read.Add(key);
        return value;
    }

    /// <summary>A JSON string's text; null for any other value, or for escapes that are no valid UTF-16 (a lone surrogate).</summary>
    static string? Text(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.String) return null;
        try
        {
            return e.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    InputException Wrong(string key, string expected) => new(Source, key, expected, InputText.Show(_fields[key].GetRawText()));

    static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => InputText.Show(e.GetRawText()),
    };
}
