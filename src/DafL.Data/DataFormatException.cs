namespace DafL.Data;

/// <summary>
/// A dataset file that is absent, truncated or not what its name says. The message names the file, the field
/// that is wrong, what was expected and what was found, and ends with how to fetch the data, so that a user
/// who sees it knows what to do without reading the code.
/// </summary>
public sealed class DataFormatException : IOException
{
    /// <summary>The file (or folder) that is wrong.</summary>
    public string FilePath { get; }
    /// <summary>The part of it that is wrong: "magic number", "file length", "label value of item 17", ...</summary>
    public string Field { get; }
    public string Expected { get; }
    public string Found { get; }

    public DataFormatException(string filePath, string field, string expected, string found, string fetchHint, Exception? inner = null)
        : base($"{filePath}: {field}: expected {expected}, found {found}. {fetchHint}", inner)
    {
        FilePath = filePath;
        Field = field;
        Expected = expected;
        Found = found;
    }
}
