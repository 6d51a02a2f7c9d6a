using DafL.Autograd;

namespace DafL.Ops;

public static partial class Functional
{
    /// <summary>Σ of all elements, a scalar (accumulated in float64).</summary>
    public static Tensor Sum(Tensor x) => ReduceOp("sum", x, [], [], 1f);

    /// <summary>Σ along <paramref name="dim"/> (negative counts from the end), which is dropped unless <paramref name="keepDim"/>.</summary>
    public static Tensor Sum(Tensor x, int dim, bool keepDim = false)
    {
        int d = NormalizeDim("sum", x, dim);
        return ReduceOp("sum", x, KeptShape(x, d), keepDim ? KeptShape(x, d) : DroppedShape(x, d), 1f);
    }

    /// <summary>The mean of all elements, a scalar (NaN for an empty tensor).</summary>
    public static Tensor Mean(Tensor x) => ReduceOp("mean", x, [], [], 1f / x.Numel);

    /// <summary>The mean along <paramref name="dim"/> (negative counts from the end), which is dropped unless <paramref name="keepDim"/>.</summary>
    public static Tensor Mean(Tensor x, int dim, bool keepDim = false)
    {
        int d = NormalizeDim("mean", x, dim);
        return ReduceOp("mean", x, KeptShape(x, d), keepDim ? KeptShape(x, d) : DroppedShape(x, d), 1f / x.Shape[d]);
    }

    /// <summary>
    /// The index of the largest element along <paramref name="dim"/>, as a float (x's shape without that dimension).
    /// The first maximum wins and NaN beats every number, as in PyTorch. Not differentiable.
    /// </summary>
    public static Tensor Argmax(Tensor x, int dim)
    {
        int d = NormalizeDim("argmax", x, dim);
        if (x.Shape[d] == 0)
            throw new ArgumentException($"argmax: dimension {dim} of {Tensor.ShapeString(x.Shape)} is empty.");
        var y = Tensor.Empty(DroppedShape(x, d), x.Device);
        using var xc = x.ContiguousNoGrad();
        x.Backend.Argmax(xc, y, d);
        return y;
    }

    /// <summary>
    /// scale · x summed into <paramref name="keptShape"/> (x's shape with 1 on the reduced dimensions, or [] for all),
    /// returned as <paramref name="outShape"/>. The gradient broadcasts back: gx = scale · gy expanded.
    /// </summary>
    static Tensor ReduceOp(string op, Tensor x, int[] keptShape, int[] outShape, float scale)
    {
        var y = Tensor.Empty(outShape, x.Device);
        using (var xc = x.ContiguousNoGrad())
        using (var yk = y.ReshapeNoGrad(keptShape))
            x.Backend.SumTo(xc, yk, scale);
        return Graph.Record(op, y, [x], gy =>
        {
            var gx = Tensor.Empty(x.Shape, x.Device);
            using var gk = gy.ReshapeNoGrad(keptShape);
            x.Backend.Expand(gk, gx, scale);
            return [gx];
        });
    }

    /// <summary><paramref name="dim"/> in [−rank, rank) as an index in [0, rank), or an error naming the op and shape.</summary>
    internal static int NormalizeDim(string op, Tensor x, int dim)
    {
        int rank = x.Rank;
        if (dim < -rank || dim >= rank)
            throw new ArgumentException($"{op}: dimension {dim} is out of range for shape {Tensor.ShapeString(x.Shape)} (rank {rank}).");
        return dim < 0 ? dim + rank : dim;
    }

    static int[] KeptShape(Tensor x, int dim)
    {
        var shape = (int[])x.Shape.Clone();
        shape[dim] = 1;
        return shape;
    }

    static int[] DroppedShape(Tensor x, int dim) => [.. x.Shape[..dim], .. x.Shape[(dim + 1)..]];
}
