using DafL.Random;

namespace DafL.Data;

/// <summary>A seeded permutation (Fisher–Yates) drawn from the counter-based generator, so a seed fixes every epoch's order.</summary>
public static class PhiloxShuffle
{
    /// <summary>A permutation of 0 … <paramref name="count"/> − 1; advances <paramref name="generator"/> by <paramref name="count"/> words.</summary>
    public static int[] Permutation(int count, Philox generator)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        ulong seed = generator.Seed, offset = generator.Advance(count);
        for (int i = count - 1; i > 0; i--)
        {
            int j = PhiloxRange.Below(Philox.Bits(seed, offset, count - 1 - i, out _), i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
