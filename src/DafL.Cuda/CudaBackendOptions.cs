namespace DafL.Backends.Cuda;

/// <summary>How the CUDA backend picks a convolution algorithm for a shape it has not seen.</summary>
public enum ConvolutionSearch
{
    /// <summary>cuDNN's heuristic ranking (<c>cudnnGet…_v7</c>): no device work, chosen in microseconds.</summary>
    Heuristic,
    /// <summary>Every algorithm timed on the call's buffers (<c>cudnnFind…Ex</c>): slower the first time, often faster after.</summary>
    Measure,
}

/// <summary>Settings of a <see cref="CudaBackend"/>.</summary>
public sealed record CudaBackendOptions
{
    /// <summary>The CUDA device to run on.</summary>
    public int DeviceOrdinal { get; init; }

    /// <summary>
    /// Let matrix products and convolutions round their inputs to TF32 (10-bit mantissa) on tensor cores: faster,
    /// about 1e-3 relative error. Off by default, so results stay FP32 like the CPU backend's.
    /// </summary>
    public bool AllowTf32 { get; init; }

    /// <summary>How convolution algorithms are chosen (once per shape and direction).</summary>
    public ConvolutionSearch ConvolutionSearch { get; init; } = ConvolutionSearch.Heuristic;

    /// <summary>The largest convolution workspace an algorithm may ask for; algorithms that need more are skipped.</summary>
    public long MaxWorkspaceBytes { get; init; } = 256L << 20;

    /// <summary>Where compiled kernels are cached (null: <see cref="Native.KernelCompiler.DefaultCacheDirectory"/>).</summary>
    public string? KernelCacheDirectory { get; init; }
}
