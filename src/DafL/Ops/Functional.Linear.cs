using DafL.Autograd;

namespace DafL.Ops;

public static partial class Functional
{
    /// <summary>Matrix product: a (M, K) · b (K, N) → (M, N). A transposed view (<see cref="Tensor.T"/>) is read in place.</summary>
    public static Tensor Matmul(Tensor a, Tensor b)
    {
        const string op = "matmul";
        if (a.Rank != 2 || b.Rank != 2 || a.Shape[1] != b.Shape[0])
            throw new ArgumentException($"{op}: expects a (M, K) and b (K, N); got a {Tensor.ShapeString(a.Shape)} and b {Tensor.ShapeString(b.Shape)}.");
        Tensor.CheckSameDevice(op, a, b);
        var y = Tensor.Empty([a.Shape[0], b.Shape[1]], a.Device);
        MatMulInto(a, false, b, false, y, 0f);
        return Graph.Record(op, y, [a, b], gy =>
        {
            using var g = gy.ContiguousNoGrad();
            Tensor? ga = null, gb = null;
            if (a.RequiresGrad)
            {
                ga = Tensor.Empty(a.Shape, a.Device);
                MatMulInto(g, false, b, true, ga, 0f); // (M, K) = gy (M, N) · bᵀ (N, K)
            }
            if (b.RequiresGrad)
            {
                gb = Tensor.Empty(b.Shape, b.Device);
                MatMulInto(a, true, g, false, gb, 0f); // (K, N) = aᵀ (K, M) · gy (M, N)
            }
            return [ga, gb];
        });
    }

    /// <summary>
    /// Fully connected layer, PyTorch's <c>F.linear</c>: x (N, in), weight (out, in), bias (out) or null →
    /// x · weightᵀ + bias, shape (N, out).
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        const string op = "linear";
        string Describe() =>
            $"input {Tensor.ShapeString(x.Shape)}, weight {Tensor.ShapeString(weight.Shape)}" +
            (bias == null ? "" : $", bias {Tensor.ShapeString(bias.Shape)}");
        if (x.Rank != 2 || weight.Rank != 2)
            throw new ArgumentException($"{op}: input must be 2-D (N, in) and weight 2-D (out, in); got {Describe()}.");
        if (x.Shape[1] != weight.Shape[1])
            throw new ArgumentException($"{op}: input has {x.Shape[1]} features but weight expects {weight.Shape[1]}; got {Describe()}.");
        if (bias != null && (bias.Rank != 1 || bias.Shape[0] != weight.Shape[0]))
            throw new ArgumentException($"{op}: bias must be 1-D with {weight.Shape[0]} elements (one per output feature); got {Describe()}.");
        Tensor.CheckSameDevice(op, x, weight);
        if (bias != null) Tensor.CheckSameDevice(op, x, bias);

        var y = Tensor.Empty([x.Shape[0], weight.Shape[0]], x.Device); // (N, out)
        float beta = 0f;
        if (bias != null)
        {
            // Start from the bias in every row; the product is then added onto it (beta 1).
            using var bc = bias.ContiguousNoGrad();
            x.Backend.Expand(bc, y, 1f);
            beta = 1f;
        }
        MatMulInto(x, false, weight, true, y, beta); // (N, out) = x (N, in) · weightᵀ (in, out)
        Tensor[] inputs = bias == null ? [x, weight] : [x, weight, bias];
        return Graph.Record(op, y, inputs, gy =>
        {
            using var g = gy.ContiguousNoGrad(); // (N, out)
            var grads = new Tensor?[inputs.Length];
            if (x.RequiresGrad)
            {
                grads[0] = Tensor.Empty(x.Shape, x.Device);
                MatMulInto(g, false, weight, false, grads[0]!, 0f); // (N, in) = gy (N, out) · weight (out, in)
            }
            if (weight.RequiresGrad)
            {
                grads[1] = Tensor.Empty(weight.Shape, weight.Device);
                MatMulInto(g, true, x, false, grads[1]!, 0f); // (out, in) = gyᵀ (out, N) · x (N, in)
            }
            if (bias is { RequiresGrad: true })
            {
                grads[2] = Tensor.Empty(bias.Shape, bias.Device);
                x.Backend.SumTo(g, grads[2]!, 1f); // (out) = Σ over N of gy
            }
            return grads;
        });
    }

    /// <summary>
    /// c = op(a) · op(b) + beta · c for 2-D tensors of any strides: a row-major operand is used as it is, a
    /// transposed view of one (strides (1, rows)) as its stored matrix with the transpose flag flipped, and only
    /// anything else is copied.
    /// </summary>
    static void MatMulInto(Tensor a, bool transA, Tensor b, bool transB, Tensor c, float beta)
    {
        using var am = GemmOperand(a, ref transA);
        using var bm = GemmOperand(b, ref transB);
        a.Backend.MatMul(am, transA, bm, transB, c, 1f, beta);
    }

    /// <summary>A contiguous handle on <paramref name="t"/>'s matrix (no copy for a row-major matrix or a transposed view of one).</summary>
    static Tensor GemmOperand(Tensor t, ref bool transposed)
    {
        if (!t.IsContiguous && t.Strides[0] == 1 && t.Strides[1] == t.Shape[0])
        {
            transposed = !transposed;
            return t.MakeView([t.Shape[1], t.Shape[0]], [t.Shape[0], 1], t.Offset);
        }
        return t.ContiguousNoGrad();
    }
}
