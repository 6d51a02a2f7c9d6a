using DafL.Backends.Cuda.Kernels;

namespace DafL.Backends.Cuda;

public sealed partial class CudaBackend
{
    public void LeakyRelu(Tensor x, Tensor y, float slope)
    {
        SameElementCount(nameof(LeakyRelu), x, y);
        _kernels.LaunchGridStride(Kernel.LeakyReluForward, x.Numel, Address(x, nameof(LeakyRelu)), Address(y, nameof(LeakyRelu)), x.Numel, slope);
    }

    public void LeakyReluBackward(Tensor x, Tensor gy, Tensor gx, float slope)
    {
        const string op = nameof(LeakyReluBackward);
        SameElementCount(op, x, gy);
        SameElementCount(op, x, gx);
        _kernels.LaunchGridStride(Kernel.LeakyReluBackward, x.Numel, Address(x, op), Address(gy, op), Address(gx, op), x.Numel, slope);
    }

    public void Tanh(Tensor x, Tensor y) => Map(nameof(Tanh), Kernel.TanhForward, x, y);

    public void TanhBackward(Tensor y, Tensor gy, Tensor gx) => MapFromOutput(nameof(TanhBackward), Kernel.TanhBackward, y, gy, gx);

    public void Sigmoid(Tensor x, Tensor y) => Map(nameof(Sigmoid), Kernel.SigmoidForward, x, y);

    public void SigmoidBackward(Tensor y, Tensor gy, Tensor gx) => MapFromOutput(nameof(SigmoidBackward), Kernel.SigmoidBackward, y, gy, gx);

    /// <summary>y = f(x) by a (x, y, n) kernel.</summary>
    void Map(string op, string kernel, Tensor x, Tensor y)
    {
        SameElementCount(op, x, y);
        _kernels.LaunchGridStride(kernel, x.Numel, Address(x, op), Address(y, op), x.Numel);
    }

    /// <summary>gx from the forward output y and gy by a (y, gy, gx, n) kernel.</summary>
    void MapFromOutput(string op, string kernel, Tensor y, Tensor gy, Tensor gx)
    {
        SameElementCount(op, y, gy);
        SameElementCount(op, y, gx);
        _kernels.LaunchGridStride(kernel, y.Numel, Address(y, op), Address(gy, op), Address(gx, op), y.Numel);
    }
}
