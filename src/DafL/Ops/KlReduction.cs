namespace DafL.Ops;

/// <summary>How <see cref="Functional.KlDiv"/> reduces the pointwise terms, as PyTorch's <c>reduction=</c> argument.</summary>
public enum KlReduction
{
    /// <summary>The sum over all elements ('sum').</summary>
    Sum,
    /// <summary>The sum divided by the batch size, dimension 0 ('batchmean': the KL divergence per sample).</summary>
    BatchMean,
    /// <summary>The sum divided by the number of elements ('mean', PyTorch's default, which is not a per-sample KL).</summary>
    Mean,
}
