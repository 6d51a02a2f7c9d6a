namespace DafL.Data;

/// <summary>Maps a 32-bit Philox word to an integer in [0, bound).</summary>
internal static class PhiloxRange
{
    /// <summary>
    /// ⌊word · bound / 2³²⌋ (Lemire's multiply-shift without rejection): one word per draw, so a sample's draws
    /// stay at fixed counters; the bias is below bound / 2³² (under 2·10⁻⁵ for a 60 000-image shuffle).
    /// </summary>
    public static int Below(uint word, int bound) => (int)(((ulong)word * (uint)bound) >> 32);
}
