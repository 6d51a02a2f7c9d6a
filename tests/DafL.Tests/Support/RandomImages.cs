using DafL.Data;
using DafL.Random;

namespace DafL.Tests.Support;

public static class RandomImages
{
    /// <summary>Random 32×32 one-channel images with cyclic labels 0, 1, …, 9, 0, …: enough to run an epoch and an evaluation.</summary>
    public static NormalizedImageDataset Labelled(int count, ulong seed)
    {
        using var pixels = Tensor.Randn([count, 1, 32, 32], new Philox(seed));
        return new NormalizedImageDataset("random", 1, 32, 32, 10, pixels.ToArray(), [.. Enumerable.Range(0, count).Select(i => (byte)(i % 10))]);
    }
}
