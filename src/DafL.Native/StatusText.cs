namespace DafL.Native;

/// <summary>Turning a status number into words: a library's own name for it when loaded, else the header's.</summary>
static class StatusText
{
    /// <summary>The status's name: <paramref name="nativeName"/> if the library gave one, else the table's, else "unknown".</summary>
    public static string Name(int status, string? nativeName, IReadOnlyDictionary<int, string> headerNames, string unknown) =>
        !string.IsNullOrEmpty(nativeName) ? nativeName : headerNames.TryGetValue(status, out var name) ? name : unknown;

    /// <summary>"NAME (number): description", the form every reason and message uses.</summary>
    public static string Format(string name, int status, string? description) =>
        string.IsNullOrWhiteSpace(description) || description == name ? $"{name} ({status})" : $"{name} ({status}): {description}";
}
