namespace DafL.Native;

/// <summary>
/// Convolutions: forward y = x ⋆ w, backward data dx from dy and w, backward filter dw from x and dy, and the bias
/// gradient db = Σ dy over N, H, W. For each direction, the heuristic query (<c>Get…_v7</c>, no device work), the
/// measured search (<c>Find…Ex</c>, runs every algorithm on the given buffers, which it overwrites), the workspace an
/// algorithm needs, and the call. Results come best first; pick once per shape and cache it.
/// </summary>
public sealed unsafe partial class CudnnHandle
{
    const int ForwardAlgorithmCount = 8;        // CUDNN_CONVOLUTION_FWD_ALGO_COUNT
    const int BackwardDataAlgorithmCount = 6;   // CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT
    const int BackwardFilterAlgorithmCount = 7; // CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT

    /// <summary>One ranking call of any direction, heuristic or measured: room for <c>requested</c> results, the count written.</summary>
    delegate int RankingCall(int requested, int* returned, ConvolutionAlgorithmPerformance* results);

    /// <summary>The results of a ranking call, best first: the six Get/Find entry points differ only in the call.</summary>
    ConvolutionAlgorithmPerformance[] Ranked(int algorithmCount, RankingCall call)
    {
        Enter();
        var results = new ConvolutionAlgorithmPerformance[algorithmCount];
        int returned;
        fixed (ConvolutionAlgorithmPerformance* r = results)
            CudnnStatus.Check(call(results.Length, &returned, r));
        return results[..returned];
    }

    /// <summary>cuDNN's heuristic ranking of forward algorithms for these shapes.</summary>
    public ConvolutionAlgorithmPerformance[] GetForwardAlgorithms(CudnnTensorDescriptor x, CudnnFilterDescriptor w,
        CudnnConvolutionDescriptor convolution, CudnnTensorDescriptor y)
    {
        return Ranked(ForwardAlgorithmCount, (n, returned, r) => Cudnn.Api.cudnnGetConvolutionForwardAlgorithm_v7(_handle, x.Handle, w.Handle, convolution.Handle, y.Handle, n, returned, r));
    }

    /// <summary>Times every forward algorithm on real buffers (<paramref name="yData"/> is overwritten).</summary>
    public ConvolutionAlgorithmPerformance[] FindForwardAlgorithms(CudnnTensorDescriptor x, DevicePointer xData,
        CudnnFilterDescriptor w, DevicePointer wData, CudnnConvolutionDescriptor convolution, CudnnTensorDescriptor y, DevicePointer yData,
        DevicePointer workspace, long workspaceBytes)
    {
        return Ranked(ForwardAlgorithmCount, (n, returned, r) => Cudnn.Api.cudnnFindConvolutionForwardAlgorithmEx(_handle, x.Handle, xData.Native, w.Handle, wData.Native,
            convolution.Handle, y.Handle, yData.Native, n, returned, r, workspace.Native, (nuint)workspaceBytes));
    }

    /// <summary>Workspace bytes the forward algorithm needs for these shapes.</summary>
    public long GetForwardWorkspaceSize(CudnnTensorDescriptor x, CudnnFilterDescriptor w, CudnnConvolutionDescriptor convolution,
        CudnnTensorDescriptor y, ConvolutionForwardAlgorithm algorithm)
    {
        Enter();
        nuint bytes;
        CudnnStatus.Check(Cudnn.Api.cudnnGetConvolutionForwardWorkspaceSize(_handle, x.Handle, w.Handle, convolution.Handle, y.Handle, (int)algorithm, &bytes));
        return (long)bytes;
    }

    /// <summary>y = α·(x ⋆ w) + β·y.</summary>
    public void ConvolutionForward(float alpha, CudnnTensorDescriptor x, DevicePointer xData, CudnnFilterDescriptor w, DevicePointer wData,
        CudnnConvolutionDescriptor convolution, ConvolutionForwardAlgorithm algorithm, DevicePointer workspace, long workspaceBytes,
        float beta, CudnnTensorDescriptor y, DevicePointer yData)
    {
        Enter();
        CudnnStatus.Check(Cudnn.Api.cudnnConvolutionForward(_handle, &alpha, x.Handle, xData.Native, w.Handle, wData.Native,
            convolution.Handle, (int)algorithm, workspace.Native, (nuint)workspaceBytes, &beta, y.Handle, yData.Native));
    }

    /// <summary>cuDNN's heuristic ranking of backward-data algorithms.</summary>
    public ConvolutionAlgorithmPerformance[] GetBackwardDataAlgorithms(CudnnFilterDescriptor w, CudnnTensorDescriptor dy,
        CudnnConvolutionDescriptor convolution, CudnnTensorDescriptor dx)
    {
        return Ranked(BackwardDataAlgorithmCount, (n, returned, r) => Cudnn.Api.cudnnGetConvolutionBackwardDataAlgorithm_v7(_handle, w.Handle, dy.Handle, convolution.Handle, dx.Handle, n, returned, r));
    }

    /// <summary>Times every backward-data algorithm on real buffers (<paramref name="dxData"/> is overwritten).</summary>
    public ConvolutionAlgorithmPerformance[] FindBackwardDataAlgorithms(CudnnFilterDescriptor w, DevicePointer wData,
        CudnnTensorDescriptor dy, DevicePointer dyData, CudnnConvolutionDescriptor convolution, CudnnTensorDescriptor dx, DevicePointer dxData,
        DevicePointer workspace, long workspaceBytes)
    {
        return Ranked(BackwardDataAlgorithmCount, (n, returned, r) => Cudnn.Api.cudnnFindConvolutionBackwardDataAlgorithmEx(_handle, w.Handle, wData.Native, dy.Handle, dyData.Native,
            convolution.Handle, dx.Handle, dxData.Native, n, returned, r, workspace.Native, (nuint)workspaceBytes));
    }

    /// <summary>Workspace bytes the backward-data algorithm needs.</summary>
    public long GetBackwardDataWorkspaceSize(CudnnFilterDescriptor w, CudnnTensorDescriptor dy, CudnnConvolutionDescriptor convolution,
        CudnnTensorDescriptor dx, ConvolutionBackwardDataAlgorithm algorithm)
    {
        Enter();
        nuint bytes;
        CudnnStatus.Check(Cudnn.Api.cudnnGetConvolutionBackwardDataWorkspaceSize(_handle, w.Handle, dy.Handle, convolution.Handle, dx.Handle, (int)algorithm, &bytes));
        return (long)bytes;
    }

    /// <summary>dx = α·∂(x ⋆ w)/∂x applied to dy + β·dx.</summary>
    public void ConvolutionBackwardData(float alpha, CudnnFilterDescriptor w, DevicePointer wData, CudnnTensorDescriptor dy, DevicePointer dyData,
        CudnnConvolutionDescriptor convolution, ConvolutionBackwardDataAlgorithm algorithm, DevicePointer workspace, long workspaceBytes,
        float beta, CudnnTensorDescriptor dx, DevicePointer dxData)
    {
        Enter();
        CudnnStatus.Check(Cudnn.Api.cudnnConvolutionBackwardData(_handle, &alpha, w.Handle, wData.Native, dy.Handle, dyData.Native,
            convolution.Handle, (int)algorithm, workspace.Native, (nuint)workspaceBytes, &beta, dx.Handle, dxData.Native));
    }

    /// <summary>cuDNN's heuristic ranking of backward-filter algorithms.</summary>
    public ConvolutionAlgorithmPerformance[] GetBackwardFilterAlgorithms(CudnnTensorDescriptor x, CudnnTensorDescriptor dy,
        CudnnConvolutionDescriptor convolution, CudnnFilterDescriptor dw)
    {
        return Ranked(BackwardFilterAlgorithmCount, (n, returned, r) => Cudnn.Api.cudnnGetConvolutionBackwardFilterAlgorithm_v7(_handle, x.Handle, dy.Handle, convolution.Handle, dw.Handle, n, returned, r));
    }

    /// <summary>Times every backward-filter algorithm on real buffers (<paramref name="dwData"/> is overwritten).</summary>
    public ConvolutionAlgorithmPerformance[] FindBackwardFilterAlgorithms(CudnnTensorDescriptor x, DevicePointer xData,
        CudnnTensorDescriptor dy, DevicePointer dyData, CudnnConvolutionDescriptor convolution, CudnnFilterDescriptor dw, DevicePointer dwData,
        DevicePointer workspace, long workspaceBytes)
    {
        return Ranked(BackwardFilterAlgorithmCount, (n, returned, r) => Cudnn.Api.cudnnFindConvolutionBackwardFilterAlgorithmEx(_handle, x.Handle, xData.Native, dy.Handle, dyData.Native,
            convolution.Handle, dw.Handle, dwData.Native, n, returned, r, workspace.Native, (nuint)workspaceBytes));
    }

    /// <summary>Workspace bytes the backward-filter algorithm needs.</summary>
    public long GetBackwardFilterWorkspaceSize(CudnnTensorDescriptor x, CudnnTensorDescriptor dy, CudnnConvolutionDescriptor convolution,
        CudnnFilterDescriptor dw, ConvolutionBackwardFilterAlgorithm algorithm)
    {
        Enter();
        nuint bytes;
        CudnnStatus.Check(Cudnn.Api.cudnnGetConvolutionBackwardFilterWorkspaceSize(_handle, x.Handle, dy.Handle, convolution.Handle, dw.Handle, (int)algorithm, &bytes));
        return (long)bytes;
    }

    /// <summary>dw = α·∂(x ⋆ w)/∂w applied to dy + β·dw.</summary>
    public void ConvolutionBackwardFilter(float alpha, CudnnTensorDescriptor x, DevicePointer xData, CudnnTensorDescriptor dy, DevicePointer dyData,
        CudnnConvolutionDescriptor convolution, ConvolutionBackwardFilterAlgorithm algorithm, DevicePointer workspace, long workspaceBytes,
        float beta, CudnnFilterDescriptor dw, DevicePointer dwData)
    {
        Enter();
        CudnnStatus.Check(Cudnn.Api.cudnnConvolutionBackwardFilter(_handle, &alpha, x.Handle, xData.Native, dy.Handle, dyData.Native,
            convolution.Handle, (int)algorithm, workspace.Native, (nuint)workspaceBytes, &beta, dw.Handle, dwData.Native));
    }

    /// <summary>db = α·Σ_{N,H,W} dy + β·db, with db described as (1, C, 1, 1).</summary>
    public void ConvolutionBackwardBias(float alpha, CudnnTensorDescriptor dy, DevicePointer dyData,
        float beta, CudnnTensorDescriptor db, DevicePointer dbData)
    {
        Enter();
        CudnnStatus.Check(Cudnn.Api.cudnnConvolutionBackwardBias(_handle, &alpha, dy.Handle, dyData.Native, &beta, db.Handle, dbData.Native));
    }
}
