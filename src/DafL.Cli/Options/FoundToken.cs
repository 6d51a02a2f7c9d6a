using System.Text.RegularExpressions;

namespace DafL.Cli.Options;

/// <summary>
/// How a refused token is shown after "found": a number as written (found 2147483647, found 1e999), anything else
/// quoted (found 'abc', found 'NaN'), and an empty token said in words, so that the reader sees exactly what was typed.
/// </summary>
public static partial class FoundToken
{
    public static string Describe(string token) =>
        string.IsNullOrWhiteSpace(token) ? "an empty value" : DecimalNumber().IsMatch(token) ? token.Trim() : $"'{token}'";

    /// <summary>A decimal number, whole or not, with an optional sign and exponent: the numbers a user means as numbers.</summary>
    [GeneratedRegex(@"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalNumber();
}
