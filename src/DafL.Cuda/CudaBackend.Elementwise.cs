using DafL.Backends;
using DafL.Backends.Cuda.Kernels;

namespace DafL.Backends.Cuda;

/// <summary>
/// Elementwise kernels: equal shapes take the flat kernels (float4 loads when aligned), anything else the
/// broadcasting kernels walking the same collapsed <see cref="BroadcastLayout"/> as the CPU.
/// </summary>
public sealed unsafe partial class CudaBackend
{
    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y)
    {
        const string name = nameof(Binary);
        var (flat, broadcast) = op switch
        {
            BinaryOp.Add => (Kernel.Add, Kernel.AddBroadcast),
            BinaryOp.Sub => (Kernel.Sub, Kernel.SubBroadcast),
            BinaryOp.Mul => (Kernel.Mul, Kernel.MulBroadcast),
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Binary: unknown op."),
        };
        var pa = Address(a, name);
        var pb = Address(b, name);
        var py = Address(y, name);
        if (a.Shape.AsSpan().SequenceEqual(b.Shape) && a.Shape.AsSpan().SequenceEqual(y.Shape))
        {
            _kernels.LaunchGridStride(flat, y.Numel, pa, pb, py, y.Numel);
            return;
        }
        var layout = DeviceLayouts.Broadcast($"{name}({op})", y.Shape, a.Shape, b.Shape);
        _kernels.LaunchGridStride(broadcast, y.Numel, pa, pb, py, KernelArgument.Struct(&layout));
    }

    public void Unary(UnaryOp op, Tensor x, Tensor y)
    {
        string kernel = op switch
        {
            UnaryOp.Abs => Kernel.AbsForward,
            UnaryOp.Exp => Kernel.ExpForward,
            UnaryOp.Log => Kernel.LogForward,
            UnaryOp.Log10 => Kernel.Log10Forward,
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Unary: unknown op."),
        };
        SameElementCount(nameof(Unary), x, y);
        _kernels.LaunchGridStride(kernel, x.Numel, Address(x, nameof(Unary)), Address(y, nameof(Unary)), x.Numel);
    }

    public void UnaryBackward(UnaryOp op, Tensor saved, Tensor gy, Tensor gx)
    {
        const string name = nameof(UnaryBackward);
        // Every kernel takes (saved, gy, gx): saved is y = eˣ for Exp and x for the others, as the contract says.
        string kernel = op switch
        {
            UnaryOp.Abs => Kernel.AbsBackward,
            UnaryOp.Exp => Kernel.ExpBackward,
            UnaryOp.Log => Kernel.LogBackward,
            UnaryOp.Log10 => Kernel.Log10Backward,
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "UnaryBackward: unknown op."),
        };
        SameElementCount(name, saved, gy);
        SameElementCount(name, saved, gx);
        _kernels.LaunchGridStride(kernel, gx.Numel, Address(saved, name), Address(gy, name), Address(gx, name), gx.Numel);
    }

    public void Affine(Tensor x, Tensor y, float a, float b)
    {
        SameElementCount(nameof(Affine), x, y);
        _kernels.LaunchGridStride(Kernel.Affine, x.Numel, Address(x, nameof(Affine)), Address(y, nameof(Affine)), x.Numel, a, b);
    }
}
