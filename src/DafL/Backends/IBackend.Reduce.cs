namespace DafL.Backends;

public partial interface IBackend
{
    /// <summary>
    /// y = scale · (x summed over the dimensions where y has size 1), with y's shape broadcastable to x's (aligned
    /// from the right). Accumulates in float64, so long sums keep about float32 precision.
    /// </summary>
    void SumTo(Tensor x, [Output] Tensor y, float scale);

    /// <summary>y = scale · x broadcast to y's shape (the adjoint of <see cref="SumTo"/>).</summary>
    void Expand(Tensor x, [Output] Tensor y, float scale);

    /// <summary>
    /// y = index of the largest element along <paramref name="dim"/> of x, as a float; y has x's shape without that
    /// dimension. The first maximum wins, and NaN counts as larger than any number (PyTorch's rule).
    /// </summary>
    void Argmax(Tensor x, [Output] Tensor y, int dim);
}
