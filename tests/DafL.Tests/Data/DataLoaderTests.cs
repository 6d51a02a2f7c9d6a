using DafL.Data;
using DafL.Memory;
using DafL.Random;

namespace DafL.Tests.Data;

public class DataLoaderTests
{
    long _buffersAtStart, _tensorsAtStart;

    [SetUp]
    public void RecordLiveCounts() => (_buffersAtStart, _tensorsAtStart) = (BufferPool.LiveBuffers, Tensor.LiveTensors);

    [TearDown]
    public void NothingLeaks()
    {
        Assert.That(BufferPool.LiveBuffers, Is.EqualTo(_buffersAtStart), "pooled buffers leaked");
        Assert.That(Tensor.LiveTensors, Is.EqualTo(_tensorsAtStart), "tensors leaked");
    }

    /// <summary>Sample i is (2, 2, 3) floats i·100 + p; its label is i mod 10.</summary>
    static NormalizedImageDataset Numbered(int count)
    {
        var images = new float[count * 12];
        for (int i = 0; i < count; i++)
            for (int p = 0; p < 12; p++) images[i * 12 + p] = i * 100 + p;
        return new NormalizedImageDataset("numbered", 2, 2, 3, 10, images, SyntheticDataFiles.CyclicLabels(count));
    }

    /// <summary>Every batch's sample indices, checking each batch's images and labels against the dataset.</summary>
    static List<int[]> RunEpoch(DataLoader loader)
    {
        var batches = new List<int[]>();
        foreach (var batch in loader.Epoch())
            using (batch)
            {
                Assert.That(batch.Images.Shape, Is.EqualTo(new[] { batch.Count, 2, 2, 3 }));
                Assert.That(batch.Labels.Shape, Is.EqualTo(new[] { batch.Count }));
                var images = batch.Images.ToArray();
                var labels = batch.Labels.ToArray();
                for (int b = 0; b < batch.Count; b++)
                {
                    int index = batch.Indices[b];
                    Assert.That(labels[b], Is.EqualTo(index % 10));
                    for (int p = 0; p < 12; p++) Assert.That(images[b * 12 + p], Is.EqualTo(index * 100 + p));
                }
                batches.Add(batch.Indices);
            }
        return batches;
    }

    [Test]
    public void InOrderBatchesKeepThePartialLastBatch()
    {
        var loader = new DataLoader(Numbered(10), batchSize: 4);
        Assert.That(loader.BatchCount, Is.EqualTo(3));
        var batches = RunEpoch(loader);
        Assert.That(batches, Is.EqualTo(new[] { new[] { 0, 1, 2, 3 }, new[] { 4, 5, 6, 7 }, new[] { 8, 9 } }));
    }

    [Test]
    public void DropLastDropsThePartialBatch()
    {
        var loader = new DataLoader(Numbered(10), batchSize: 4, dropLast: true);
        Assert.That(loader.BatchCount, Is.EqualTo(2));
        Assert.That(RunEpoch(loader).Select(b => b.Length), Is.EqualTo(new[] { 4, 4 }));
        Assert.That(RunEpoch(new DataLoader(Numbered(8), batchSize: 4, dropLast: true)), Has.Count.EqualTo(2));
    }

    [Test]
    public void ShuffledEpochsArePermutationsFixedByTheSeed()
    {
        var first = new DataLoader(Numbered(50), batchSize: 16, shuffle: true, generator: new Philox(3));
        var again = new DataLoader(Numbered(50), batchSize: 16, shuffle: true, generator: new Philox(3));
        var other = new DataLoader(Numbered(50), batchSize: 16, shuffle: true, generator: new Philox(4));
        var epoch1 = RunEpoch(first).SelectMany(b => b).ToArray();
        var epoch2 = RunEpoch(first).SelectMany(b => b).ToArray();
        Assert.That(epoch1, Is.EquivalentTo(Enumerable.Range(0, 50)));
        Assert.That(epoch2, Is.EquivalentTo(Enumerable.Range(0, 50)));
        Assert.That(epoch1, Is.Not.EqualTo(Enumerable.Range(0, 50)), "a shuffled epoch should not be in order");
        Assert.That(epoch2, Is.Not.EqualTo(epoch1), "each epoch draws a new permutation");
        Assert.That(RunEpoch(again).SelectMany(b => b), Is.EqualTo(epoch1));
        Assert.That(RunEpoch(again).SelectMany(b => b), Is.EqualTo(epoch2));
        Assert.That(RunEpoch(other).SelectMany(b => b), Is.Not.EqualTo(epoch1));
    }

    [Test]
    public void PermutationUsesOneWordPerItem()
    {
        var generator = new Philox(9);
        var order = PhiloxShuffle.Permutation(10, generator);
        Assert.That(order, Is.EquivalentTo(Enumerable.Range(0, 10)));
        Assert.That(generator.Offset, Is.EqualTo(3UL), "10 words are 3 blocks of four");
        Assert.That(PhiloxShuffle.Permutation(10, new Philox(9)), Is.EqualTo(order));
        Assert.That(PhiloxShuffle.Permutation(0, new Philox(9)), Is.Empty);
    }

    [Test]
    public void AugmentedBatchesDoNotDependOnBatchSize()
    {
        var pixels = Enumerable.Range(0, 7 * 3072).Select(p => (byte)(p * 13 + p / 3072)).ToArray();
        var dataset = DaflPreprocessing.CifarTrain(new ImageSet("colour", 3, 32, 32, 10, pixels, SyntheticDataFiles.CyclicLabels(7)));
        float[] Epoch(int batchSize, ulong seed)
        {
            var loader = new DataLoader(dataset, batchSize, shuffle: true, generator: new Philox(seed));
            var all = new List<float>();
            foreach (var batch in loader.Epoch())
                using (batch) all.AddRange(batch.Images.ToArray());
            return [.. all];
        }
        var bySeven = Epoch(7, 21);
        Assert.That(Epoch(3, 21), Is.EqualTo(bySeven));
        Assert.That(Epoch(2, 21), Is.EqualTo(bySeven));
        Assert.That(Epoch(7, 22), Is.Not.EqualTo(bySeven));
    }

    [Test]
    public void AugmentedSampleMatchesItsRandomWords()
    {
        var pixels = Enumerable.Range(0, 2 * 3072).Select(p => (byte)(p * 7)).ToArray();
        var dataset = DaflPreprocessing.CifarTrain(new ImageSet("colour", 3, 32, 32, 10, pixels, [5, 6]));
        var generator = new Philox(8);
        var loader = new DataLoader(dataset, batchSize: 2, generator: generator);
        using var batch = loader.Epoch().Single();
        // Not shuffled: the epoch reserved 2 · 3 words at counter 0, sample at position 1 uses words 3, 4, 5.
        Assert.That(generator.Offset, Is.EqualTo(2UL));
        var expected = new float[3072];
        dataset.WriteSample(1, new SampleRandom(8, 0, 3), expected);
        Assert.That(batch.Images.ToArray()[3072..], Is.EqualTo(expected));
        Assert.That(batch.Labels.ToArray(), Is.EqualTo(new[] { 5f, 6f }));
    }

    [Test]
    public void LargeBatchesAreFilledInParallelCorrectly()
    {
        var loader = new DataLoader(Numbered(3000), batchSize: 2048, shuffle: true, generator: new Philox(1));
        var batches = RunEpoch(loader);
        Assert.That(batches.Select(b => b.Length), Is.EqualTo(new[] { 2048, 952 }));
    }

    [Test]
    public void BatchesOpenedInAScopeAreDisposedWithIt()
    {
        var loader = new DataLoader(Numbered(6), batchSize: 3);
        using (TensorScope.Begin())
            foreach (var batch in loader.Epoch())
                Assert.That(batch.Images.IsDisposed, Is.False);
    }

    [Test]
    public void BadArgumentsAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => _ = new DataLoader(Numbered(4), batchSize: 0))!;
        Assert.That(e.Message, Does.Contain("DataLoader 'numbered'").And.Contain("batch size"));
        e = Assert.Throws<ArgumentException>(() => _ = new DataLoader(Numbered(4), batchSize: 2, shuffle: true))!;
        Assert.That(e.Message, Does.Contain("Philox generator"));
        var augmented = DaflPreprocessing.CifarTrain(new ImageSet("colour", 3, 32, 32, 10, new byte[3072], [0]));
        Assert.Throws<ArgumentException>(() => _ = new DataLoader(augmented, batchSize: 2));
    }
}
