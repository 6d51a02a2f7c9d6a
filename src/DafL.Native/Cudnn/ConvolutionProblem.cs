namespace DafL.Native;

/// <summary>The three computations of a convolution that cuDNN runs; each reads two operands and writes one result.</summary>
public enum ConvolutionDirection
{
    /// <summary>y from x and w.</summary>
    Forward,
    /// <summary>dx from w and dy.</summary>
    BackwardData,
    /// <summary>dw from x and dy.</summary>
    BackwardFilter,
}

/// <summary>
/// One direction of one convolution as cuDNN takes it: the descriptors of its two operands and of its result, in the
/// C API's order, and the convolution. The factories fix which descriptor is the filter in each direction, so that a
/// problem cannot be built with its operands swapped; <see cref="CudnnHandle"/> ranks, sizes and runs every
/// direction through one code path. A problem borrows its descriptors: they must outlive it.
/// </summary>
public sealed class ConvolutionProblem
{
    ConvolutionProblem(ConvolutionDirection direction, CudnnDescriptor first, CudnnDescriptor second,
        CudnnConvolutionDescriptor convolution, CudnnDescriptor result)
    {
        Direction = direction;
        First = first;
        Second = second;
        Convolution = convolution;
        Result = result;
    }

    public ConvolutionDirection Direction { get; }
    internal CudnnDescriptor First { get; }
    internal CudnnDescriptor Second { get; }
    internal CudnnConvolutionDescriptor Convolution { get; }
    internal CudnnDescriptor Result { get; }

    /// <summary>y = x ⋆ w.</summary>
    public static ConvolutionProblem Forward(CudnnTensorDescriptor x, CudnnFilterDescriptor w, CudnnConvolutionDescriptor convolution,
        CudnnTensorDescriptor y) => new(ConvolutionDirection.Forward, x, w, convolution, y);

    /// <summary>dx = ∂(x ⋆ w)/∂x applied to dy.</summary>
    public static ConvolutionProblem BackwardData(CudnnFilterDescriptor w, CudnnTensorDescriptor dy, CudnnConvolutionDescriptor convolution,
        CudnnTensorDescriptor dx) => new(ConvolutionDirection.BackwardData, w, dy, convolution, dx);

    /// <summary>dw = ∂(x ⋆ w)/∂w applied to dy.</summary>
    public static ConvolutionProblem BackwardFilter(CudnnTensorDescriptor x, CudnnTensorDescriptor dy, CudnnConvolutionDescriptor convolution,
        CudnnFilterDescriptor dw) => new(ConvolutionDirection.BackwardFilter, x, dy, convolution, dw);

    internal ConvolutionEntryPoints EntryPoints(CudnnApi api) => Direction switch
    {
        ConvolutionDirection.Forward => api.ConvolutionForward,
        ConvolutionDirection.BackwardData => api.ConvolutionBackwardData,
        _ => api.ConvolutionBackwardFilter,
    };
}

/// <summary>The device buffers of a <see cref="ConvolutionProblem"/>, in its order: its two operands and its result.</summary>
public readonly record struct ConvolutionBuffers(DevicePointer First, DevicePointer Second, DevicePointer Result);
