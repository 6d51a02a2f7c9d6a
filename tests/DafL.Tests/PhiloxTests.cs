using DafL.Random;

namespace DafL.Tests;

public class PhiloxTests
{
    // Known-answer vectors of Random123 (kat_vectors): counter (4 words), key (2 words) → output (4 words).
    [TestCase(0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [TestCase(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [TestCase(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void MatchesRandom123KnownAnswers(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint o0, uint o1, uint o2, uint o3)
    {
        Assert.That(Philox.Block(c0, c1, c2, c3, k0, k1), Is.EqualTo((o0, o1, o2, o3)));
    }

    [Test]
    public void SameSeedGivesSameNumbersAndOffsetsAdvance()
    {
        var g1 = new Philox(42);
        var g2 = new Philox(42);
        using var a = Tensor.Randn([1000], g1);
        using var b = Tensor.Randn([1000], g2);
        using var c = Tensor.Randn([1000], g1);
        Assert.That(a.ToArray(), Is.EqualTo(b.ToArray()));
        Assert.That(c.ToArray(), Is.Not.EqualTo(a.ToArray()));
        Assert.That(g1.Offset, Is.EqualTo(500UL));
    }

    [Test]
    public void ElementDependsOnlyOnSeedOffsetAndIndex()
    {
        // A draw of 8 from offset 0 equals the first 8 of a draw of 100000 (which runs in parallel chunks).
        using var small = Tensor.Rand([8], new Philox(5));
        using var big = Tensor.Rand([100000], new Philox(5));
        Assert.That(big.ToArray().Take(8), Is.EqualTo(small.ToArray()));
    }

    [TestCase(1)]
    [TestCase(6)]
    [TestCase(7)]
    [TestCase(70001)] // many blocks, split across threads, with a partial last block
    public void FillsEqualTheElementByElementDefinition(int count)
    {
        var gen = new Philox(77, offset: 13);
        using var u = Tensor.Rand([count], gen);
        using var n = Tensor.Randn([count], gen);
        ulong uStart = 13, nStart = 13 + (ulong)((count + 3) / 4);
        var expectedU = new float[count];
        var expectedN = new float[count];
        for (long i = 0; i < count; i++)
        {
            expectedU[i] = Philox.ToUniform(Philox.Bits(77, uStart, i, out _));
            expectedN[i] = Philox.ToNormal(i, Philox.Bits(77, nStart, i, out uint pair), pair);
        }
        Assert.That(u.ToArray(), Is.EqualTo(expectedU));
        Assert.That(n.ToArray(), Is.EqualTo(expectedN));
    }

    [Test]
    public void UniformAndNormalHaveTheRightMoments()
    {
        using var u = Tensor.Rand([200000], new Philox(1));
        using var n = Tensor.Randn([200000], new Philox(2));
        var ud = u.ToArray();
        var nd = n.ToArray();
        Assert.That(ud.Min(), Is.GreaterThanOrEqualTo(0f));
        Assert.That(ud.Max(), Is.LessThan(1f));
        // Standard errors at n = 2e5: mean of U(0,1) ≈ 6.5e-4, mean of N(0,1) ≈ 2.2e-3, variance ≈ 3.2e-3; bounds are ~5σ.
        Assert.That(ud.Average(), Is.EqualTo(0.5).Within(3.5e-3));
        double mean = nd.Average(v => (double)v);
        double variance = nd.Average(v => (v - mean) * (v - mean));
        Assert.That(mean, Is.EqualTo(0).Within(1.2e-2));
        Assert.That(variance, Is.EqualTo(1).Within(1.6e-2));
        Assert.That(nd.Count(v => Math.Abs(v) > 3) / 200000.0, Is.EqualTo(0.0027).Within(0.0006));
    }
}
