using System.Text;

namespace DafL.Training;

/// <summary>What an error message quotes of a value found in a file.</summary>
internal static class Excerpt
{
    const int Length = 40;

    /// <summary>Text as found, on one line and at most <see cref="Length"/> characters (a message stays readable).</summary>
    public static string Of(string text)
    {
        if (text.Length == 0) return "an empty value";
        var flat = new StringBuilder(Math.Min(text.Length, Length + 1));
        foreach (char c in text)
        {
            if (flat.Length > Length) break;
            bool blank = char.IsWhiteSpace(c) || char.IsControl(c); // a line break or a tab, kept visible as one space
            if (blank && flat.Length > 0 && flat[^1] == ' ') continue;
            flat.Append(blank ? ' ' : c);
        }
        string result = flat.ToString();
        if (result.Length <= Length) return result;
        int cut = char.IsHighSurrogate(result[Length - 1]) ? Length - 1 : Length; // never half a character
        return result[..cut] + "…";
    }
}
