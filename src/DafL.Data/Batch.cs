namespace DafL.Data;

/// <summary>One batch from a <see cref="DataLoader"/>. The caller owns it: dispose it (or let a TensorScope do so).</summary>
public sealed class Batch : IDisposable
{
    /// <summary>(B, C, H, W), normalised.</summary>
    public Tensor Images { get; }
    /// <summary>(B), class indices held as floats (the op contract's convention for targets).</summary>
    public Tensor Labels { get; }
    /// <summary>The dataset indices of the samples, in batch order.</summary>
    public int[] Indices { get; }

    public int Count => Indices.Length;

    internal Batch(Tensor images, Tensor labels, int[] indices)
    {
        Images = images;
        Labels = labels;
        Indices = indices;
    }

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
