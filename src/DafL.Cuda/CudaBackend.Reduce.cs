using DafL.Backends;
using DafL.Backends.Cuda.Kernels;
using DafL.Native;

namespace DafL.Backends.Cuda;

/// <summary>
/// Reductions. <see cref="SumTo"/> collapses the reduction with <see cref="BroadcastLayout"/> exactly as the CPU does
/// and picks a kernel per pattern (cuda/README.md, "Host sequences"); every sum accumulates in float64 in a fixed
/// order, so a result repeats bit for bit run to run.
/// </summary>
public sealed unsafe partial class CudaBackend
{
    /// <summary>Elements per block of a chunked whole-tensor sum (the CPU's chunk; results depend on it).</summary>
    const long SumChunk = 1 << 16;
    /// <summary>Elements per block of the per-channel sum's first pass (results depend on it).</summary>
    const long ChannelSumChunk = 1 << 14;
    /// <summary>sum_columns_f32's block: 32 columns × 8 row slices.</summary>
    static readonly Dim3 ColumnBlock = new(32, 8);

    public void SumTo(Tensor x, Tensor y, float scale)
    {
        const string op = nameof(SumTo);
        var px = Address(x, op);
        var py = Address(y, op);
        if (x.Numel == 0)
        {
            // Sum of nothing is 0; a mean of nothing is 0·∞ = NaN, as in PyTorch.
            Fill(y, (float)(0.0 * scale));
            return;
        }
        var pattern = SumPattern.Of(x.Shape, y.Shape);
        long outer = pattern.Outer, middle = pattern.Middle, inner = pattern.Inner;
        switch (pattern.Kind)
        {
            case SumKind.Copy:
                Affine(x, y, scale, 0f);
                break;
            case SumKind.OuterReduceInner when inner == 1 && outer == 1:
                WholeSum(Kernel.SumChunks, x.Numel, py, scale, px);
                break;
            case SumKind.OuterReduceInner when inner == 1:
                _kernels.LaunchRows(Kernel.SumRows, outer, middle, px, py, outer, middle, scale);
                break;
            case SumKind.OuterReduceInner:
                _kernels.Launch(Kernel.SumColumns, new Dim3((uint)((inner + 31) / 32), (uint)Math.Min(outer, 65535)), ColumnBlock,
                    px, py, outer, middle, inner, scale);
                break;
            case SumKind.ReduceKeepReduce:
                ChannelSum(px, py, outer, middle, inner, scale);
                break;
            default:
                var reduceLayout = DeviceLayouts.Reduce(op, pattern.Layout, x.Shape);
                _kernels.LaunchGridStride(Kernel.SumGeneric, y.Numel, px, py, KernelArgument.Struct(&reduceLayout), y.Numel, scale);
                break;
        }
    }

    public void Expand(Tensor x, Tensor y, float scale)
    {
        const string op = nameof(Expand);
        var px = Address(x, op);
        var py = Address(y, op);
        var layout = DeviceLayouts.Broadcast(op, y.Shape, x.Shape);
        _kernels.LaunchGridStride(Kernel.Expand, y.Numel, px, py, KernelArgument.Struct(&layout), scale);
    }

    public void Argmax(Tensor x, Tensor y, int dim)
    {
        const string op = nameof(Argmax);
        var px = Address(x, op);
        var py = Address(y, op);
        var (outer, size, inner) = DimSplit.Around(x.Shape, dim);
        if (size == 0 && y.Numel > 0)
            throw new ArgumentException($"{op}: dimension {dim} of {Tensor.ShapeString(x.Shape)} is empty, so it has no largest element.");
        _kernels.LaunchGridStride(Kernel.Argmax, outer * inner, px, py, outer, size, inner);
    }

    /// <summary>
    /// y[k] = (float)(scale · Σ_a Σ_b x[a, k, b]) for x (outer, kept, inner), in two passes: float64 partials of
    /// 16384 elements per channel (a grid of chunks × channels, so a few channels still fill the GPU), then each
    /// channel's partials added in chunk order. Batch norm's and the convolution bias's gradients use it.
    /// </summary>
    void ChannelSum(DevicePointer x, DevicePointer y, long outer, long kept, long inner, double scale)
    {
        if (kept == 0) return;
        long chunks = (outer * inner + ChannelSumChunk - 1) / ChannelSumChunk;
        if (chunks == 0)
        {
            _kernels.LaunchGridStride(Kernel.Fill, kept, y, kept, (float)(0.0 * scale)); // a sum of nothing
            return;
        }
        using var partials = Scratch(2 * chunks * kept); // float64 partials
        _kernels.Launch(Kernel.SumReduceKeepReduceChunks, new Dim3((uint)Math.Min(chunks, int.MaxValue), (uint)Math.Min(kept, 65535)),
            new Dim3(CudaKernels.Threads), x, partials.Pointer, outer, kept, inner, ChannelSumChunk);
        _kernels.LaunchGridStride(Kernel.SumPartialRows, kept, partials.Pointer, y, kept, chunks, scale);
    }

    /// <summary>
    /// y[0] = (float)(scale · Σ) over <paramref name="n"/> elements in two passes: <paramref name="chunkKernel"/>
    /// (inputs…, partials, n, chunk) writes one float64 partial per 65536-element chunk, then sum_finish_f64 adds
    /// them in chunk order.
    /// </summary>
    void WholeSum(string chunkKernel, long n, DevicePointer y, double scale, params ReadOnlySpan<KernelArgument> inputs)
    {
        long chunks = (n + SumChunk - 1) / SumChunk;
        using var partials = Scratch(2 * chunks); // float64 partials
        Span<KernelArgument> arguments = stackalloc KernelArgument[inputs.Length + 3];
        inputs.CopyTo(arguments);
        arguments[inputs.Length] = partials.Pointer;
        arguments[inputs.Length + 1] = n;
        arguments[inputs.Length + 2] = SumChunk;
        _kernels.LaunchPerItem(chunkKernel, chunks, arguments);
        _kernels.LaunchSingleBlock(Kernel.SumFinish, partials.Pointer, chunks, y, scale);
    }
}
