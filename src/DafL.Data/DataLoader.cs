using DafL.Random;

namespace DafL.Data;

/// <summary>
/// Batches an <see cref="IImageDataset"/> like PyTorch's <c>DataLoader</c>: in order or shuffled by a seeded Philox
/// permutation, the last partial batch kept unless <see cref="DropLast"/>. Each batch's samples are preprocessed in
/// parallel straight into a new pooled tensor that the caller owns.
/// Randomness: when an epoch starts, the generator is advanced by <c>Count</c> words for the permutation (if
/// shuffling), then by <c>Count · RandomWordsPerSample</c> words for augmentation, the sample at epoch position p
/// using words p·w … p·w + w − 1. A seed therefore fixes every epoch, independent of batch size and threads.
/// Batches are made on the host and then copied once to <see cref="Device"/>.
/// </summary>
public sealed class DataLoader
{
    readonly Philox? _generator;

    public IImageDataset Dataset { get; }
    public int BatchSize { get; }
    public bool Shuffle { get; }
    public bool DropLast { get; }
    /// <summary>Where the batches' tensors are delivered.</summary>
    public Device Device { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchCount => DropLast ? Dataset.Count / BatchSize : (Dataset.Count + BatchSize - 1) / BatchSize;

    /// <param name="generator">Required when shuffling or when the dataset's preprocessing is random.</param>
    public DataLoader(IImageDataset dataset, int batchSize, bool shuffle = false, Philox? generator = null, bool dropLast = false, Device device = default)
    {
        if (batchSize <= 0) throw new ArgumentException($"DataLoader '{dataset.Name}': batch size must be positive, got {batchSize}.");
        if (generator == null && (shuffle || dataset.RandomWordsPerSample > 0))
            throw new ArgumentException($"DataLoader '{dataset.Name}': shuffling or random augmentation needs a Philox generator.");
        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        Device = device;
        _generator = generator;
    }

    /// <summary>One pass over the dataset. The generator is advanced when enumeration starts.</summary>
    public IEnumerable<Batch> Epoch()
    {
        int count = Dataset.Count;
        int[] order = Shuffle ? PhiloxShuffle.Permutation(count, _generator!) : [.. Enumerable.Range(0, count)];
        int words = Dataset.RandomWordsPerSample;
        ulong seed = _generator?.Seed ?? 0, offset = words > 0 ? _generator!.Advance((long)count * words) : 0;
        for (int b = 0; b < BatchCount; b++)
        {
            int start = b * BatchSize, length = Math.Min(BatchSize, count - start);
            yield return MakeBatch(order.AsSpan(start, length).ToArray(), start, seed, offset, words);
        }
    }

    unsafe Batch MakeBatch(int[] indices, int start, ulong seed, ulong offset, int words)
    {
        var ds = Dataset;
        int sampleSize = ds.Channels * ds.Height * ds.Width;
        var images = Tensor.Empty([indices.Length, ds.Channels, ds.Height, ds.Width]);  // (B, C, H, W)
        var labels = Tensor.Empty([indices.Length]);                                     // (B)
        float* pixels = images.Ptr;
        // About 16K floats per task: enough work to be worth a thread, small enough to spread a batch over all cores.
        Parallelism.ForRanges(indices.Length, Math.Max(1, (1 << 14) / sampleSize), (from, to) =>
        {
            for (long i = from; i < to; i++)
            {
                var random = new SampleRandom(seed, offset, (start + i) * words);
                ds.WriteSample(indices[i], random, new Span<float>(pixels + i * sampleSize, sampleSize));
            }
        });
        var labelSpan = labels.Span;
        for (int i = 0; i < indices.Length; i++) labelSpan[i] = ds.Label(indices[i]);
        images.MoveTo(Device);
        labels.MoveTo(Device);
        return new Batch(images, labels, indices);
    }
}
