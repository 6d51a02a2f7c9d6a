using System.Globalization;

namespace DafL.Training;

/// <summary>
/// The whole numbers a setting accepts: <see cref="Min"/> to <see cref="Max"/>, both included, and a multiple of
/// <see cref="Step"/> (2 for an even width). <see cref="Expected"/> is the phrase every error about it uses.
/// </summary>
public sealed record WholeRange(long Min, long Max, int Step = 1)
{
    public bool Contains(long value) => value >= Min && value <= Max && value % Step == 0;

    public string Expected => Step switch
    {
        1 => $"a whole number from {Text(Min)} to {Text(Max)}",
        2 => $"an even whole number from {Text(Min)} to {Text(Max)}",
        _ => $"a multiple of {Step} from {Text(Min)} to {Text(Max)}",
    };

    /// <summary>The phrase for a list of such numbers (epochs at which a learning rate is cut).</summary>
    public string ExpectedEach => $"values, each {Expected}";

    static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
