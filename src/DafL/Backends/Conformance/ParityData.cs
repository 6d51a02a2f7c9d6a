using DafL.Random;

namespace DafL.Backends.Conformance;

/// <summary>
/// Host-side random inputs for one parity case. Both sides of a case draw from a generator with the same seed in
/// the same order, so they receive identical inputs without sharing arrays.
/// </summary>
public sealed class ParityData(ulong seed)
{
    readonly Philox _gen = new(seed);

    /// <summary>Standard normal values.</summary>
    public float[] Normal(long count)
    {
        ulong offset = _gen.Advance(count);
        var values = new float[count];
        for (long i = 0; i < count; i++)
        {
            uint word = Philox.Bits(_gen.Seed, offset, i, out uint pair);
            values[i] = Philox.ToNormal(i, word, pair);
        }
        return values;
    }

    /// <summary>Uniform values in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public float[] Uniform(long count, float low, float high)
    {
        ulong offset = _gen.Advance(count);
        var values = new float[count];
        for (long i = 0; i < count; i++)
            values[i] = low + (high - low) * Philox.ToUniform(Philox.Bits(_gen.Seed, offset, i, out _));
        return values;
    }

    /// <summary>Class indices in [0, <paramref name="classes"/>) as floats, one per row.</summary>
    public float[] Classes(int rows, int classes) =>
        Array.ConvertAll(Uniform(rows, 0, classes), c => MathF.Min(MathF.Floor(c), classes - 1)); // u·classes can round up to classes

    /// <summary>Rows of a probability distribution (rows, cols): the softmax of normal logits, every entry &gt; 0.</summary>
    public float[] Distributions(int rows, int cols)
    {
        var values = Normal((long)rows * cols);
        for (int r = 0; r < rows; r++)
        {
            var row = values.AsSpan(r * cols, cols);
            float max = float.NegativeInfinity;
            foreach (float v in row) max = MathF.Max(max, v);
            double sum = 0;
            for (int c = 0; c < cols; c++) sum += row[c] = MathF.Exp(row[c] - max);
            for (int c = 0; c < cols; c++) row[c] = (float)(row[c] / sum);
        }
        return values;
    }
}
