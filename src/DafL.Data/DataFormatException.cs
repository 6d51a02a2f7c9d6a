using DafL.Errors;

namespace DafL.Data;

/// <summary>
/// A dataset file that is absent, truncated or not what its name says. The message names the file, the field
/// that is wrong, what was expected and what was found, and ends with how to fetch the data, so that a user
/// who sees it knows what to do without reading the code.
/// </summary>
public sealed class DataFormatException(string filePath, string field, string expected, string found, string fetchHint, Exception? inner = null)
    : InputException(filePath, field, expected, found, fetchHint, inner);
