using DafL.Random;

namespace DafL.Training;

/// <summary>
/// Independent Philox streams derived from one run seed, one per purpose, so that changing (say) the number of
/// evaluation batches never shifts the noise the generator sees.
/// </summary>
public static class SeedStreams
{
    public static Philox For(ulong seed, string purpose)
    {
        ulong h = 14695981039346656037UL; // FNV-1a over the purpose, mixed with the seed
        foreach (char c in purpose) h = (h ^ c) * 1099511628211UL;
        return new Philox(seed * 0x9E3779B97F4A7C15UL ^ h);
    }
}
