namespace DafL.Native;

/// <summary>
/// The four cuDNN functions of one convolution direction: the heuristic ranking (<c>cudnnGetConvolution…Algorithm_v7</c>),
/// the measured search (<c>cudnnFindConvolution…AlgorithmEx</c>), the workspace query and the call. cuDNN gives the three
/// directions the same C signatures, with the operands in the order (in, in, out), and names that differ only in
/// the direction's word, so one binding and one code path (<see cref="CudnnHandle"/>) serve them all.
/// Checked against the cuDNN 9.6.0 <c>cudnn_cnn.h</c>; types as in <see cref="CudnnApi"/>.
/// </summary>
sealed unsafe class ConvolutionEntryPoints
{
    /// <summary>Room for every algorithm the direction has (CUDNN_CONVOLUTION_…_ALGO_COUNT).</summary>
    public readonly int AlgorithmCount;
    public readonly string GetAlgorithmsName, FindAlgorithmsName, GetWorkspaceSizeName, ConvolveName;

    /// <summary>(handle, inDesc, inDesc, convDesc, outDesc, requested, returned*, perf*).</summary>
    public readonly delegate* unmanaged<nint, nint, nint, nint, nint, int, int*, ConvolutionAlgorithmPerformance*, int> GetAlgorithms;
    /// <summary>(handle, inDesc, in, inDesc, in, convDesc, outDesc, out, requested, returned*, perf*, workspace, workspaceBytes).</summary>
    public readonly delegate* unmanaged<nint, nint, nint, nint, nint, nint, nint, nint, int, int*, ConvolutionAlgorithmPerformance*, nint, nuint, int> FindAlgorithms;
    /// <summary>(handle, inDesc, inDesc, convDesc, outDesc, algo, bytes*).</summary>
    public readonly delegate* unmanaged<nint, nint, nint, nint, nint, int, nuint*, int> GetWorkspaceSize;
    /// <summary>(handle, alpha, inDesc, in, inDesc, in, convDesc, algo, workspace, workspaceBytes, beta, outDesc, out).</summary>
    public readonly delegate* unmanaged<nint, float*, nint, nint, nint, nint, nint, int, nint, nuint, float*, nint, nint, int> Convolve;

    /// <param name="direction">The word in the function names: <c>Forward</c>, <c>BackwardData</c> or <c>BackwardFilter</c>.</param>
    public ConvolutionEntryPoints(Exports e, string direction, int algorithmCount)
    {
        AlgorithmCount = algorithmCount;
        GetAlgorithmsName = $"cudnnGetConvolution{direction}Algorithm_v7";
        FindAlgorithmsName = $"cudnnFindConvolution{direction}AlgorithmEx";
        GetWorkspaceSizeName = $"cudnnGetConvolution{direction}WorkspaceSize";
        ConvolveName = $"cudnnConvolution{direction}";
        GetAlgorithms = (delegate* unmanaged<nint, nint, nint, nint, nint, int, int*, ConvolutionAlgorithmPerformance*, int>)e.Get(GetAlgorithmsName);
        FindAlgorithms = (delegate* unmanaged<nint, nint, nint, nint, nint, nint, nint, nint, int, int*, ConvolutionAlgorithmPerformance*, nint, nuint, int>)e.Get(FindAlgorithmsName);
        GetWorkspaceSize = (delegate* unmanaged<nint, nint, nint, nint, nint, int, nuint*, int>)e.Get(GetWorkspaceSizeName);
        Convolve = (delegate* unmanaged<nint, float*, nint, nint, nint, nint, nint, int, nint, nuint, float*, nint, nint, int>)e.Get(ConvolveName);
    }
}
