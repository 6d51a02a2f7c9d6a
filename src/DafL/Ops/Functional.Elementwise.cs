using DafL.Autograd;
using DafL.Backends;

namespace DafL.Ops;

public static partial class Functional
{
    /// <summary>a + b with NumPy broadcasting.</summary>
    public static Tensor Add(Tensor a, Tensor b) => BroadcastBinary("add", BinaryOp.Add, a, b);

    /// <summary>a − b with NumPy broadcasting.</summary>
    public static Tensor Sub(Tensor a, Tensor b) => BroadcastBinary("sub", BinaryOp.Sub, a, b);

    /// <summary>a · b (elementwise) with NumPy broadcasting.</summary>
    public static Tensor Mul(Tensor a, Tensor b) => BroadcastBinary("mul", BinaryOp.Mul, a, b);

    /// <summary>s · x.</summary>
    public static Tensor Scale(Tensor x, float s) => AffineOp("scale", x, s, 0f);

    /// <summary>x + s.</summary>
    public static Tensor AddScalar(Tensor x, float s) => AffineOp("add_scalar", x, 1f, s);

    /// <summary>−x.</summary>
    public static Tensor Neg(Tensor x) => AffineOp("neg", x, -1f, 0f);

    /// <summary>|x|; its gradient is sign(x), taken as 0 at 0 like PyTorch.</summary>
    public static Tensor Abs(Tensor x) => UnaryOpOf("abs", UnaryOp.Abs, x);

    /// <summary>eˣ.</summary>
    public static Tensor Exp(Tensor x) => UnaryOpOf("exp", UnaryOp.Exp, x);

    /// <summary>ln x (NaN for x &lt; 0, −∞ at 0).</summary>
    public static Tensor Log(Tensor x) => UnaryOpOf("log", UnaryOp.Log, x);

    /// <summary>log₁₀ x.</summary>
    public static Tensor Log10(Tensor x) => UnaryOpOf("log10", UnaryOp.Log10, x);

    static Tensor BroadcastBinary(string op, BinaryOp kind, Tensor a, Tensor b)
    {
        Tensor.CheckSameDevice(op, a, b);
        var shape = BroadcastLayout.ResultShape(op, a.Shape, b.Shape);
        var y = Tensor.Empty(shape, a.Device);
        using (var ac = a.ContiguousNoGrad())
        using (var bc = b.ContiguousNoGrad())
            a.Backend.Binary(kind, ac, bc, y);
        return Graph.Record(op, y, [a, b], gy =>
        {
            // Each input's gradient is the output's, summed over the dimensions that input was broadcast along.
            return kind switch
            {
                BinaryOp.Add => [a.RequiresGrad ? SumToShape(gy, a.Shape, 1f) : null, b.RequiresGrad ? SumToShape(gy, b.Shape, 1f) : null],
                BinaryOp.Sub => [a.RequiresGrad ? SumToShape(gy, a.Shape, 1f) : null, b.RequiresGrad ? SumToShape(gy, b.Shape, -1f) : null],
                _ => [a.RequiresGrad ? ProductGrad(gy, b, a.Shape) : null, b.RequiresGrad ? ProductGrad(gy, a, b.Shape) : null],
            };
        });
    }

    /// <summary>scale · gy reduced to <paramref name="shape"/>; gy itself when nothing is to be done.</summary>
    static Tensor SumToShape(Tensor gy, int[] shape, float scale)
    {
        if (gy.Shape.AsSpan().SequenceEqual(shape))
        {
            if (scale == 1f) return gy;
            var scaled = Tensor.Empty(shape, gy.Device);
            gy.Backend.Affine(gy, scaled, scale, 0f);
            return scaled;
        }
        var g = Tensor.Empty(shape, gy.Device);
        gy.Backend.SumTo(gy, g, scale);
        return g;
    }

    /// <summary>∂(a·b)/∂a = gy·b, reduced to a's shape.</summary>
    static Tensor ProductGrad(Tensor gy, Tensor other, int[] shape)
    {
        var full = Tensor.Empty(gy.Shape, gy.Device);
        using (var oc = other.ContiguousNoGrad()) gy.Backend.Binary(BinaryOp.Mul, gy, oc, full);
        if (full.Shape.AsSpan().SequenceEqual(shape)) return full;
        using (full) return SumToShape(full, shape, 1f);
    }

    /// <summary>y = a·x + b; the gradient is a·gy (gy itself when a = 1).</summary>
    static Tensor AffineOp(string op, Tensor x, float a, float b)
    {
        var y = Tensor.Empty(x.Shape, x.Device);
        using (var xc = x.ContiguousNoGrad()) x.Backend.Affine(xc, y, a, b);
        return Graph.Record(op, y, [x], gy =>
        {
            if (a == 1f) return [gy];
            var gx = Tensor.Empty(x.Shape, x.Device);
            x.Backend.Affine(gy, gx, a, 0f);
            return [gx];
        });
    }

    static Tensor UnaryOpOf(string op, UnaryOp kind, Tensor x)
    {
        var y = Tensor.Empty(x.Shape, x.Device);
        using (var xc = x.ContiguousNoGrad()) x.Backend.Unary(kind, xc, y);
        return Graph.Record(op, y, [x], gy =>
        {
            // eˣ's derivative is its output; the others' are functions of the input.
            var gx = Tensor.Empty(x.Shape, x.Device);
            using var saved = (kind == UnaryOp.Exp ? y : x).ContiguousNoGrad();
            x.Backend.UnaryBackward(kind, saved, gy, gx);
            return [gx];
        });
    }
}
