using System.Text.Json;

namespace DafL.Reports;

/// <summary>A run's settings as the report's table shows them: each key of a JSON object with its value as text.</summary>
public static class ConfigTable
{
    /// <param name="skip">Keys that are not settings (the reference log's "event").</param>
    public static IReadOnlyList<KeyValuePair<string, string>> From(JsonRecord settings, params string[] skip) =>
        [.. settings.Element.EnumerateObject().Where(p => !skip.Contains(p.Name)).Select(p => KeyValuePair.Create(p.Name, Text(p.Value)))];

    /// <summary>A string without its quotes, an array as [a, b], anything else as its JSON.</summary>
    static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Array => $"[{string.Join(", ", value.EnumerateArray().Select(Text))}]",
        _ => value.GetRawText(),
    };
}
