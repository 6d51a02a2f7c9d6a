namespace DafL.Native;

/// <summary>Turning a status number into words: a library's own name for it when loaded, else the header's.</summary>
static class StatusText
{
    /// <summary>
    /// The status's name: <paramref name="nativeName"/> if the library gave one, else its header's
    /// (<see cref="HeaderStatusNames"/>), else "unknown" and the status type, e.g. "unknown cublasStatus_t".
    /// </summary>
    public static string Name(CudaLibrary library, int status, string? nativeName) =>
        !string.IsNullOrEmpty(nativeName) ? nativeName : HeaderStatusNames.Find(library, status) ?? $"unknown {HeaderStatusNames.TypeName(library)}";

    /// <summary>"NAME (number): description", the form every reason and message uses.</summary>
    public static string Format(string name, int status, string? description) =>
        string.IsNullOrWhiteSpace(description) || description == name ? $"{name} ({status})" : $"{name} ({status}): {description}";
}
