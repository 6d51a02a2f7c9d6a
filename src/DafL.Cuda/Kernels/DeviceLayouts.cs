using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DafL.Backends;

namespace DafL.Backends.Cuda.Kernels;

/// <summary>
/// The C# mirrors of the structs the kernels take by value (cuda/README.md, "Struct layouts"), filled from the
/// collapsed <see cref="BroadcastLayout"/> that the CPU backend walks, so both backends iterate the same way.
/// </summary>
internal static class DeviceLayouts
{
    /// <summary>Most dimensions a layout carries.</summary>
    public const int MaxRank = 8;

    /// <summary>
    /// <c>BroadcastLayout</c> of elementwise.cu for y (<paramref name="shape"/>) and one or two operands; 32-bit, so
    /// broadcasts of 2³¹ or more elements are refused.
    /// </summary>
    public static unsafe DeviceBroadcastLayout Broadcast(string op, int[] shape, params int[][] operands)
    {
        var layout = BroadcastLayout.Create(shape, operands);
        if (layout.Numel >= int.MaxValue)
            throw new ArgumentException($"{op}: a broadcast to {Tensor.ShapeString(shape)} has {layout.Numel} elements; the CUDA kernels take fewer than 2³¹.");
        CheckRank(op, shape, layout.Sizes.Length);
        var result = new DeviceBroadcastLayout { Rank = (uint)layout.Sizes.Length };
        for (int d = 0; d < layout.Sizes.Length; d++)
        {
            result.Sizes[d] = (uint)layout.Sizes[d];
            result.AStrides[d] = (uint)layout.Strides[0][d];
            if (operands.Length > 1) result.BStrides[d] = (uint)layout.Strides[1][d];
        }
        return result;
    }

    /// <summary><c>ReduceLayout</c> of reduce.cu: x's collapsed sizes and y's strides along them (0 where reduced).</summary>
    public static unsafe DeviceReduceLayout Reduce(string op, BroadcastLayout layout, int[] shape)
    {
        CheckRank(op, shape, layout.Sizes.Length);
        var result = new DeviceReduceLayout { Rank = layout.Sizes.Length };
        for (int d = 0; d < layout.Sizes.Length; d++)
        {
            result.Sizes[d] = layout.Sizes[d];
            result.YStrides[d] = layout.Strides[0][d];
        }
        return result;
    }

    /// <summary><c>StridedCopyLayout</c> of elementwise.cu: the shape and both tensors' element strides.</summary>
    public static unsafe DeviceStridedCopyLayout StridedCopy(string op, Tensor src, Tensor dst)
    {
        CheckRank(op, src.Shape, src.Rank);
        var result = new DeviceStridedCopyLayout { Rank = src.Rank };
        for (int d = 0; d < src.Rank; d++)
        {
            result.Sizes[d] = src.Shape[d];
            result.SrcStrides[d] = src.Strides[d];
            result.DstStrides[d] = dst.Strides[d];
        }
        return result;
    }

    static void CheckRank(string op, int[] shape, int rank)
    {
        if (rank > MaxRank)
            throw new ArgumentException($"{op}: shape {Tensor.ShapeString(shape)} needs {rank} dimensions; the CUDA kernels take at most {MaxRank}.");
    }
}

/// <summary>elementwise.cu's BroadcastLayout: 25 uint32, 100 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct DeviceBroadcastLayout
{
    public fixed uint Sizes[DeviceLayouts.MaxRank];
    public fixed uint AStrides[DeviceLayouts.MaxRank];
    public fixed uint BStrides[DeviceLayouts.MaxRank];
    public uint Rank;
}

/// <summary>elementwise.cu's StridedCopyLayout: 200 bytes, 8-byte aligned.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct DeviceStridedCopyLayout
{
    public fixed long Sizes[DeviceLayouts.MaxRank];
    public fixed long SrcStrides[DeviceLayouts.MaxRank];
    public fixed long DstStrides[DeviceLayouts.MaxRank];
    public int Rank; // followed by 4 bytes of padding: the struct is 8-byte aligned
}

/// <summary>reduce.cu's ReduceLayout: 136 bytes, 8-byte aligned.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct DeviceReduceLayout
{
    public fixed long Sizes[DeviceLayouts.MaxRank];
    public fixed long YStrides[DeviceLayouts.MaxRank];
    public int Rank; // followed by 4 bytes of padding: the struct is 8-byte aligned
}

/// <summary>optim.cu's AdamMultiTensor: one tensor of an adam_step_multi_f32 launch, 80 bytes, 8-byte aligned.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DeviceAdamMultiTensor
{
    public ulong Param, Grad, M, V;
    public long N, FirstChunk;
    public float Beta1, OneMinusBeta1, Beta2, OneMinusBeta2, WeightDecay, NegStepSize, BiasCorrection2Sqrt, Eps;
}

/// <summary>optim.cu's AdamMultiTable: <see cref="Capacity"/> tensors (ADAM_MULTI_TENSORS), 3840 bytes.</summary>
[InlineArray(Capacity)]
internal struct DeviceAdamMultiTable
{
    public const int Capacity = 48;

    DeviceAdamMultiTensor _first;
}
