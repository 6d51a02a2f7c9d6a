namespace DafL.Data;

/// <summary>
/// A dataset ready for a model: each sample is written as normalised float32 (C, H, W) on request. What
/// <see cref="DataLoader"/> batches. Implementations must allow <see cref="WriteSample"/> from several threads at once.
/// </summary>
public interface IImageDataset
{
    string Name { get; }
    int Count { get; }
    int Channels { get; }
    int Height { get; }
    int Width { get; }
    int ClassCount { get; }
    /// <summary>Philox words each sample consumes per epoch (0 when preprocessing is not random).</summary>
    int RandomWordsPerSample { get; }

    byte Label(int index);

    /// <summary>Writes sample <paramref name="index"/>, preprocessed, into <paramref name="destination"/> (C·H·W floats).</summary>
    void WriteSample(int index, SampleRandom random, Span<float> destination);
}
