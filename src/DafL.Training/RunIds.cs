using System.Security.Cryptography;

namespace DafL.Training;

/// <summary>
/// The identity of one distillation run (<see cref="DistillConfig.RunId"/>): 16 lowercase hexadecimal digits from the
/// system's random generator. Never derived from the seed: two runs with the same settings must still differ.
/// </summary>
public static class RunIds
{
    const int Bytes = 8;

    /// <summary>What a run id looks like, for error messages.</summary>
    public const string Described = "a run id of 16 lowercase hexadecimal digits";

    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(Bytes));

    public static bool IsWellFormed(string id) => id.Length == 2 * Bytes && id.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
