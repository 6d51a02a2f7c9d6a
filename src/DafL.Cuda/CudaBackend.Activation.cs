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

    public void Tanh(Tensor x, Tensor y)
    {
        SameElementCount(nameof(Tanh), x, y);
        _kernels.LaunchGridStride(Kernel.TanhForward, x.Numel, Address(x, nameof(Tanh)), Address(y, nameof(Tanh)), x.Numel);
    }

    public void TanhBackward(Tensor y, Tensor gy, Tensor gx)
    {
        const string op = nameof(TanhBackward);
        SameElementCount(op, y, gy);
        SameElementCount(op, y, gx);
        _kernels.LaunchGridStride(Kernel.TanhBackward, y.Numel, Address(y, op), Address(gy, op), Address(gx, op), y.Numel);
    }

    public void Sigmoid(Tensor x, Tensor y)
    {
        SameElementCount(nameof(Sigmoid), x, y);
        _kernels.LaunchGridStride(Kernel.SigmoidForward, x.Numel, Address(x, nameof(Sigmoid)), Address(y, nameof(Sigmoid)), x.Numel);
    }

    public void SigmoidBackward(Tensor y, Tensor gy, Tensor gx)
    {
        const string op = nameof(SigmoidBackward);
        SameElementCount(op, y, gy);
        SameElementCount(op, y, gx);
        _kernels.LaunchGridStride(Kernel.SigmoidBackward, y.Numel, Address(y, op), Address(gy, op), Address(gx, op), y.Numel);
    }
}
