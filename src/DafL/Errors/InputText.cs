using System.Text;

namespace DafL.Errors;

/// <summary>
/// Text taken from an input (a tensor name, a key, a raw JSON value) made fit for a one-line error message: a file
/// can hold names megabytes long or with line breaks and control characters, and quoting them whole would break
/// the one-line rule or bury the message.
/// </summary>
public static class InputText
{
    /// <summary>Names listed before the rest is counted ("a, b, c, d, e … and 7 more").</summary>
    public const int ListedNames = 5;

    /// <summary>
    /// <paramref name="text"/> with control characters written as <c>\n</c>, <c>\t</c> or <c>\u001B</c> (and the Unicode line and paragraph separators), cut to
    /// <paramref name="max"/> characters with an ellipsis and the full length when longer; an empty text is said in words.
    /// </summary>
    public static string Show(string text, int max = 80)
    {
        if (text.Length == 0) return "an empty value"; // "found ." would say nothing
        var sb = new StringBuilder();
        foreach (char c in text)
        {
            if (sb.Length >= max)
                return sb.Append($"… ({text.Length:N0} characters)").ToString();
            sb.Append(c switch
            {
                '\n' => @"\n",
                '\r' => @"\r",
                '\t' => @"\t",
                _ when char.IsControl(c) || c is '\u2028' or '\u2029' => $"\\u{(int)c:X4}", // U+2028/9 break lines too
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    /// <summary>The first <see cref="ListedNames"/> of <paramref name="names"/>, each shown with <see cref="Show"/>, then how many more.</summary>
    public static string List(IReadOnlyCollection<string> names)
    {
        var shown = string.Join(", ", names.Take(ListedNames).Select(n => Show(n)));
        return names.Count > ListedNames ? $"{shown} … and {names.Count - ListedNames} more" : shown;
    }
}
