using DafL.Random;

namespace DafL.Data;

/// <summary>
/// The random words one sample may use in one epoch: word k is Philox word <c>first + k</c> of the draw that the
/// loader reserved at counter <c>offset</c>. Because it depends only on (seed, offset, sample position), the
/// same seed gives the same augmentation whatever the batch size or thread count.
/// </summary>
public readonly struct SampleRandom(ulong seed, ulong offset, long first)
{
    public uint Word(int k) => Philox.Bits(seed, offset, first + k, out _);

    /// <summary>An integer in [0, <paramref name="bound"/>) from word <paramref name="k"/>.</summary>
    public int Below(int k, int bound) => PhiloxRange.Below(Word(k), bound);
}
