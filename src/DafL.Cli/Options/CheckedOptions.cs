using System.CommandLine;
using System.Globalization;
using DafL.Errors;
using DafL.Training;

namespace DafL.Cli.Options;

/// <summary>
/// The options of every command that take a number or a name, each read by our own reader and checked against its
/// range in <see cref="SettingRanges"/> at parse time: "abc", "1e999", "NaN", "-0x5" or "" give one line naming the
/// option, what it accepts and what was found. A nullable option is an override (absent: the preset's value).
/// </summary>
public static class CheckedOptions
{
    /// <summary>A whole number in <paramref name="range"/>; absent: null.</summary>
    public static Option<int?> Whole(string name, WholeRange range, string description) =>
        Single<int?>(name, range.Expected, description, token => ReadWhole(range, token) is { } v ? (true, v) : (false, null));

    /// <summary>A whole number in <paramref name="range"/>; absent: <paramref name="defaultValue"/>.</summary>
    public static Option<int> Whole(string name, WholeRange range, string description, int defaultValue)
    {
        var option = Single(name, range.Expected, description, token => ReadWhole(range, token) is { } v ? (true, v) : (false, 0));
        option.DefaultValueFactory = _ => defaultValue;
        return option;
    }

    /// <summary>
    /// The word <paramref name="word"/> or a whole number in <paramref name="range"/>; absent: the word. Wrapped, as
    /// <see cref="WordOrWhole"/>: System.CommandLine takes a null from a parser for a failed conversion.
    /// </summary>
    public static Option<WordOrWhole> WordOrWhole(string name, string word, WholeRange range, string description)
    {
        var option = Single(name, $"{word} or {range.Expected}", description,
            token => token == word ? (true, new WordOrWhole(null)) : ReadWhole(range, token) is { } v ? (true, new WordOrWhole(v)) : (false, default));
        option.DefaultValueFactory = _ => new WordOrWhole(null);
        return option;
    }

    /// <summary>One or more whole numbers, each in <paramref name="range"/> (lists of epochs); absent: null.</summary>
    public static Option<int[]?> Wholes(string name, WholeRange range, string description)
    {
        string expected = range.ExpectedEach;
        var option = new CheckedOption<int[]?>(name, tokens =>
        {
            var values = new int[tokens.Count];
            for (int i = 0; i < tokens.Count; i++)
            {
                if (ReadWhole(range, tokens[i]) is not { } v) return (null, new InputProblem(name, "", expected, FoundToken.Describe(tokens[i])));
                values[i] = v;
            }
            return (values, null);
        })
        { Description = description, AllowMultipleArgumentsPerToken = true };
        return option;
    }

    /// <summary>A finite number in <paramref name="range"/>, read as the float the settings hold; absent: null.</summary>
    public static Option<float?> Real(string name, RealRange range, string description) =>
        Single<float?>(name, range.Expected, description, token =>
            float.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && range.Contains(v) ? (true, v) : (false, null));

    /// <summary>--seed: any 64-bit unsigned whole number; absent: <paramref name="defaultValue"/>.</summary>
    public static Option<ulong> Seed(string description, ulong defaultValue)
    {
        var option = Single("--seed", SettingRanges.SeedExpected, description, token => (ReadSeed(token, out ulong v), v));
        option.DefaultValueFactory = _ => defaultValue;
        return option;
    }

    /// <summary>--seed as an override: absent, null.</summary>
    public static Option<ulong?> Seed(string description) =>
        Single<ulong?>("--seed", SettingRanges.SeedExpected, description, token => ReadSeed(token, out ulong v) ? (true, v) : (false, null));

    /// <summary>One of <paramref name="allowed"/>, exactly as written; absent: <paramref name="defaultValue"/>.</summary>
    public static Option<string> Choice(string name, IReadOnlyList<string> allowed, string description, string defaultValue)
    {
        var option = Single(name, OneOf(allowed), description, token => allowed.Contains(token) ? (true, token) : (false, ""));
        option.DefaultValueFactory = _ => defaultValue;
        return option;
    }

    /// <summary>One of <paramref name="allowed"/> as an override: absent, null.</summary>
    public static Option<string?> Choice(string name, IReadOnlyList<string> allowed, string description) =>
        Single<string?>(name, OneOf(allowed), description, token => allowed.Contains(token) ? (true, token) : (false, null));

    /// <summary>A value of <typeparamref name="TEnum"/> by name, in any case (never by number); absent: null.</summary>
    public static Option<TEnum?> Named<TEnum>(string name, string description) where TEnum : struct, Enum
    {
        var names = Enum.GetNames<TEnum>();
        return Single<TEnum?>(name, OneOf(names), description, token =>
            names.FirstOrDefault(n => string.Equals(n, token, StringComparison.OrdinalIgnoreCase)) is { } known ? (true, Enum.Parse<TEnum>(known)) : (false, null));
    }

    static string OneOf(IReadOnlyList<string> allowed) => $"one of {string.Join(", ", allowed)}";

    /// <summary>
    /// An option of one value read by <paramref name="read"/>. A count of tokens other than one is left to the
    /// parser's arity check, which <see cref="CommandLineErrors"/> reports ("expected one value, found 2").
    /// </summary>
    static CheckedOption<T> Single<T>(string name, string expected, string description, Func<string, (bool Ok, T Value)> read) =>
        new(name, tokens =>
        {
            if (tokens.Count != 1) return (default, null);
            var (ok, value) = read(tokens[0]);
            return ok ? (value, null) : (default, new InputProblem(name, "", expected, FoundToken.Describe(tokens[0])));
        })
        { Description = description };

    /// <summary>The whole number <paramref name="token"/> writes, when it is one in <paramref name="range"/> (whose bounds fit an int).</summary>
    static int? ReadWhole(WholeRange range, string token) =>
        long.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) && range.Contains(v) ? checked((int)v) : null;

    static bool ReadSeed(string token, out ulong value) => ulong.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
}

/// <summary>The value of a <see cref="CheckedOptions.WordOrWhole"/> option: the number, or null for the word.</summary>
public readonly record struct WordOrWhole(int? Whole);
