namespace DafL.Backends;

/// <summary>Binary elementwise kernels with NumPy broadcasting.</summary>
public enum BinaryOp
{
    Add,
    Sub,
    Mul,
}

/// <summary>Unary elementwise kernels that have their own backward kernel.</summary>
public enum UnaryOp
{
    Abs,
    Exp,
    Log,
    Log10,
}

public partial interface IBackend
{
    /// <summary>y = a ∘ b, where <paramref name="a"/> and <paramref name="b"/> each broadcast to y's shape.</summary>
    void Binary(BinaryOp op, Tensor a, Tensor b, [Output] Tensor y);

    /// <summary>y = op(x), same shape.</summary>
    void Unary(UnaryOp op, Tensor x, [Output] Tensor y);

    /// <summary>
    /// gx = gy · op'(x). <paramref name="saved"/> is what the derivative is computed from: the output y = eˣ for
    /// <see cref="UnaryOp.Exp"/>, the input x for every other op.
    /// </summary>
    void UnaryBackward(UnaryOp op, Tensor saved, Tensor gy, [Output] Tensor gx);

    /// <summary>y = a·x + b, same shape.</summary>
    void Affine(Tensor x, [Output] Tensor y, float a, float b);
}
