using System.Runtime.CompilerServices;

namespace DafL.Random;

/// <summary>
/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a counter-based
/// generator. Element i of a draw that starts at counter offset <c>o</c> uses the 128-bit counter
/// (o + i / 4, 0, 0, 0) under the key (seed_lo, seed_hi) and takes output word i % 4. Because an element's bits
/// depend only on (seed, offset, i), every backend and every thread count produce the same numbers.
/// This object only tracks the offset; the backends compute the bits.
/// </summary>
public sealed class Philox
{
    public ulong Seed { get; }
    /// <summary>Next unused counter (in blocks of four 32-bit words).</summary>
    public ulong Offset { get; private set; }

    public Philox(ulong seed, ulong offset = 0)
    {
        Seed = seed;
        Offset = offset;
    }

    /// <summary>Reserves counters for <paramref name="count"/> numbers and returns the first counter.</summary>
    public ulong Advance(long count)
    {
        ulong start = Offset;
        Offset += (ulong)((count + 3) / 4);
        return start;
    }

    const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /// <summary>The four 32-bit outputs for counter (c0, c1, c2, c3) under key (k0, k1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (uint, uint, uint, uint) Block(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        uint x0 = c0, x1 = c1, x2 = c2, x3 = c3;
        for (int round = 0; round < 10; round++)
        {
            ulong p0 = (ulong)M0 * x0, p1 = (ulong)M1 * x2;
            uint hi0 = (uint)(p0 >> 32), lo0 = (uint)p0, hi1 = (uint)(p1 >> 32), lo1 = (uint)p1;
            (x0, x1, x2, x3) = (hi1 ^ x1 ^ k0, lo1, hi0 ^ x3 ^ k1, lo0);
            k0 += W0;
            k1 += W1;
        }
        return (x0, x1, x2, x3);
    }

    /// <summary>Word <paramref name="i"/> of the draw starting at counter <paramref name="offset"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Bits(ulong seed, ulong offset, long i, out uint pairWord)
    {
        var (a, b, c, d) = BlockAt(seed, offset + (ulong)(i >> 2));
        switch (i & 3)
        {
            case 0: pairWord = b; return a;
            case 1: pairWord = a; return b;
            case 2: pairWord = d; return c;
            default: pairWord = c; return d;
        }
    }

    /// <summary>Uniform in [0, 1) from the top 24 bits: exact in float32, identical on every backend.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToUniform(uint bits) => (bits >> 8) * (1.0f / 16777216f);

    /// <summary>
    /// Standard normal by Box–Muller over the word pair (2k, 2k+1) of one block: even element gets r·cos θ,
    /// odd element r·sin θ, u1 = (w_even + 0.5)/2³² in (0, 1), θ = 2π·w_odd/2³². Computed in double, rounded once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToNormal(long i, uint word, uint pairWord)
    {
        bool even = (i & 1) == 0;
        var (cos, sin) = BoxMuller(even ? word : pairWord, even ? pairWord : word);
        return even ? cos : sin;
    }

    /// <summary>Both normals of one word pair (see <see cref="ToNormal"/>): (r·cos θ, r·sin θ).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (float Even, float Odd) BoxMuller(uint evenWord, uint oddWord)
    {
        double u1 = (evenWord + 0.5) * (1.0 / 4294967296.0);
        double theta = 2.0 * Math.PI * (oddWord * (1.0 / 4294967296.0));
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        return ((float)(r * Math.Cos(theta)), (float)(r * Math.Sin(theta)));
    }

    /// <summary>The four words of counter <paramref name="counter"/> under <paramref name="seed"/>: elements 4k..4k+3 of a draw.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (uint, uint, uint, uint) BlockAt(ulong seed, ulong counter) =>
        Block((uint)counter, (uint)(counter >> 32), 0, 0, (uint)seed, (uint)(seed >> 32));
}
