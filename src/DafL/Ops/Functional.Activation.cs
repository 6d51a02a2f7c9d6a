using DafL.Autograd;
using DafL.Backends;

namespace DafL.Ops;

public static partial class Functional
{
    /// <summary>max(x, 0).</summary>
    public static Tensor Relu(Tensor x) => LeakyReluOp("relu", x, 0f);

    /// <summary>x for x &gt; 0, slope·x otherwise (PyTorch's default slope is 0.01; DAFL's generator uses 0.2).</summary>
    public static Tensor LeakyRelu(Tensor x, float slope = 0.01f) => LeakyReluOp("leaky_relu", x, slope);

    /// <summary>tanh x (the DAFL generator's output layer); the gradient is 1 − tanh² x, from the output.</summary>
    public static Tensor Tanh(Tensor x) => MapSavingOutput("tanh", x,
        static (b, x, y) => b.Tanh(x, y),
        static (b, y, gy, gx) => b.TanhBackward(y, gy, gx));

    /// <summary>σ(x) = 1 / (1 + e^−x), for every x without overflow; the gradient is σ(x)(1 − σ(x)), from the output.</summary>
    public static Tensor Sigmoid(Tensor x) => MapSavingOutput("sigmoid", x,
        static (b, x, y) => b.Sigmoid(x, y),
        static (b, y, gy, gx) => b.SigmoidBackward(y, gy, gx));

    /// <summary>An elementwise op whose gradient needs only its output y (tanh, sigmoid): y is saved, not x.</summary>
    static Tensor MapSavingOutput(string op, Tensor x, Action<IBackend, Tensor, Tensor> forward, Action<IBackend, Tensor, Tensor, Tensor> backward)
    {
        var y = Tensor.Empty(x.Shape, x.Device);
        using (var xc = x.ContiguousNoGrad()) forward(x.Backend, xc, y);
        return Graph.Record(op, y, [x], gy =>
        {
            var gx = Tensor.Empty(x.Shape, x.Device);
            backward(x.Backend, y, gy, gx);
            return [gx];
        });
    }

    static Tensor LeakyReluOp(string op, Tensor x, float slope)
    {
        using var xc = x.ContiguousNoGrad();
        var y = Tensor.Empty(x.Shape, x.Device);
        x.Backend.LeakyRelu(xc, y, slope);
        return Graph.Record(op, y, [x], gy =>
        {
            var gx = Tensor.Empty(x.Shape, x.Device);
            using var xs = x.ContiguousNoGrad();
            x.Backend.LeakyReluBackward(xs, gy, gx, slope);
            return [gx];
        });
    }
}
