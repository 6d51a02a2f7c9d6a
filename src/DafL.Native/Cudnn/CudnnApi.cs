namespace DafL.Native;

/// <summary>
/// The cuDNN 9 legacy-API functions the bindings use, resolved once from <c>libcudnn.so.9</c>. Signatures are
/// checked against the cuDNN 9.6.0 headers (<c>cudnn_graph.h</c>, <c>cudnn_ops.h</c>, <c>cudnn_cnn.h</c>); most are
/// marked CUDNN_DEPRECATED there, which is a no-op unless CUDNN_WARN_DEPRECATED is defined. NOT VERIFIED: that
/// <c>libcudnn.so.9</c> (the shim) itself exports every one of them rather than only its sub-libraries
/// (<c>libcudnn_ops.so.9</c>, <c>libcudnn_cnn.so.9</c>); the docs say the shim can still be used directly. If it
/// does not, the function table fails to build and <see cref="Cudnn.UnavailableReason"/> names the missing symbol.
/// Types: handles and descriptors → nint, device pointers (<c>void*</c>) → nint, alpha/beta → host float*,
/// enums → int, size_t → nuint, double stays double.
/// </summary>
sealed unsafe class CudnnApi
{
    // cudnn_graph.h
    public readonly delegate* unmanaged<nuint> cudnnGetVersion;
    public readonly delegate* unmanaged<int, byte*> cudnnGetErrorString;
    /// <summary><c>void cudnnGetLastErrorString(char*, size_t)</c>: cuDNN 9 only; null where absent.</summary>
    public readonly delegate* unmanaged<byte*, nuint, void> cudnnGetLastErrorString;
    public readonly delegate* unmanaged<nint*, int> cudnnCreate;
    public readonly delegate* unmanaged<nint, int> cudnnDestroy;
    public readonly delegate* unmanaged<nint, nint, int> cudnnSetStream;

    // cudnn_ops.h: descriptors
    public readonly delegate* unmanaged<nint*, int> cudnnCreateTensorDescriptor;
    /// <summary>(desc, format, dataType, n, c, h, w): format before data type.</summary>
    public readonly delegate* unmanaged<nint, int, int, int, int, int, int, int> cudnnSetTensor4dDescriptor;
    public readonly delegate* unmanaged<nint, int> cudnnDestroyTensorDescriptor;
    public readonly delegate* unmanaged<nint*, int> cudnnCreateFilterDescriptor;
    /// <summary>(desc, dataType, format, k, c, h, w): data type before format, the opposite of the tensor's.</summary>
    public readonly delegate* unmanaged<nint, int, int, int, int, int, int, int> cudnnSetFilter4dDescriptor;
    public readonly delegate* unmanaged<nint, int> cudnnDestroyFilterDescriptor;
    public readonly delegate* unmanaged<nint*, int> cudnnCreatePoolingDescriptor;
    /// <summary>(desc, mode, nanOpt, windowH, windowW, padH, padW, strideH, strideW).</summary>
    public readonly delegate* unmanaged<nint, int, int, int, int, int, int, int, int, int> cudnnSetPooling2dDescriptor;
    public readonly delegate* unmanaged<nint, int> cudnnDestroyPoolingDescriptor;

    // cudnn_ops.h: pooling and batch norm
    /// <summary>(handle, pool, alpha, xDesc, x, beta, yDesc, y).</summary>
    public readonly delegate* unmanaged<nint, nint, float*, nint, nint, float*, nint, nint, int> cudnnPoolingForward;
    /// <summary>(handle, pool, alpha, yDesc, y, dyDesc, dy, xDesc, x, beta, dxDesc, dx).</summary>
    public readonly delegate* unmanaged<nint, nint, float*, nint, nint, nint, nint, nint, nint, float*, nint, nint, int> cudnnPoolingBackward;
    /// <summary>(derivedBnDesc, xDesc, mode).</summary>
    public readonly delegate* unmanaged<nint, nint, int, int> cudnnDeriveBNTensorDescriptor;
    /// <summary>(handle, mode, alpha, beta, xDesc, x, yDesc, y, bnDesc, scale, bias, factor, runningMean, runningVar, epsilon, saveMean, saveInvVar).</summary>
    public readonly delegate* unmanaged<nint, int, float*, float*, nint, nint, nint, nint, nint, nint, nint, double, nint, nint, double, nint, nint, int> cudnnBatchNormalizationForwardTraining;
    /// <summary>(handle, mode, alpha, beta, xDesc, x, yDesc, y, bnDesc, scale, bias, mean, var, epsilon).</summary>
    public readonly delegate* unmanaged<nint, int, float*, float*, nint, nint, nint, nint, nint, nint, nint, nint, nint, double, int> cudnnBatchNormalizationForwardInference;
    /// <summary>(handle, mode, alphaData, betaData, alphaParam, betaParam, xDesc, x, dyDesc, dy, dxDesc, dx, bnDesc, scale, dScale, dBias, epsilon, savedMean, savedInvVar).</summary>
    public readonly delegate* unmanaged<nint, int, float*, float*, float*, float*, nint, nint, nint, nint, nint, nint, nint, nint, nint, nint, double, nint, nint, int> cudnnBatchNormalizationBackward;

    // cudnn_cnn.h
    public readonly delegate* unmanaged<nint*, int> cudnnCreateConvolutionDescriptor;
    /// <summary>(desc, padH, padW, strideH, strideW, dilationH, dilationW, mode, computeType).</summary>
    public readonly delegate* unmanaged<nint, int, int, int, int, int, int, int, int, int> cudnnSetConvolution2dDescriptor;
    public readonly delegate* unmanaged<nint, int, int> cudnnSetConvolutionMathType;
    public readonly delegate* unmanaged<nint, int, int> cudnnSetConvolutionGroupCount;
    public readonly delegate* unmanaged<nint, int> cudnnDestroyConvolutionDescriptor;

    /// <summary>(handle, xDesc, wDesc, convDesc, yDesc, requested, returned*, perf*).</summary>
    public readonly delegate* unmanaged<nint, nint, nint, nint, nint, int, int*, ConvolutionAlgorithmPerformance*, int> cudnnGetConvolutionForwardAlgorithm_v7;
    /// <summary>(handle, xDesc, x, wDesc, w, convDesc, yDesc, y, requested, returned*, perf*, workspace, workspaceBytes).</summary>
    public readonly delegate* unmanaged<nint, nint, nint, nint, nint, nint, nint, nint, int, int*, ConvolutionAlgorithmPerformance*, nint, nuint, int> cudnnFindConvolutionForwardAlgorithmEx;
    /// <summary>(handle, xDesc, wDesc, convDesc, yDesc, algo, bytes*).</summary>
    public readonly delegate* unmanaged<nint, nint, nint, nint, nint, int, nuint*, int> cudnnGetConvolutionForwardWorkspaceSize;
    /// <summary>(handle, alpha, xDesc, x, wDesc, w, convDesc, algo, workspace, workspaceBytes, beta, yDesc, y).</summary>
    public readonly delegate* unmanaged<nint, float*, nint, nint, nint, nint, nint, int, nint, nuint, float*, nint, nint, int> cudnnConvolutionForward;

    /// <summary>(handle, wDesc, dyDesc, convDesc, dxDesc, requested, returned*, perf*).</summary>
    public readonly delegate* unmanaged<nint, nint, nint, nint, nint, int, int*, ConvolutionAlgorithmPerformance*, int> cudnnGetConvolutionBackwardDataAlgorithm_v7;
    /// <summary>(handle, wDesc, w, dyDesc, dy, convDesc, dxDesc, dx, requested, returned*, perf*, workspace, workspaceBytes).</summary>
    public readonly delegate* unmanaged<nint, nint, nint, nint, nint, nint, nint, nint, int, int*, ConvolutionAlgorithmPerformance*, nint, nuint, int> cudnnFindConvolutionBackwardDataAlgorithmEx;
    /// <summary>(handle, wDesc, dyDesc, convDesc, dxDesc, algo, bytes*).</summary>
    public readonly delegate* unmanaged<nint, nint, nint, nint, nint, int, nuint*, int> cudnnGetConvolutionBackwardDataWorkspaceSize;
    /// <summary>(handle, alpha, wDesc, w, dyDesc, dy, convDesc, algo, workspace, workspaceBytes, beta, dxDesc, dx).</summary>
    public readonly delegate* unmanaged<nint, float*, nint, nint, nint, nint, nint, int, nint, nuint, float*, nint, nint, int> cudnnConvolutionBackwardData;

    /// <summary>(handle, xDesc, dyDesc, convDesc, dwDesc, requested, returned*, perf*).</summary>
    public readonly delegate* unmanaged<nint, nint, nint, nint, nint, int, int*, ConvolutionAlgorithmPerformance*, int> cudnnGetConvolutionBackwardFilterAlgorithm_v7;
    /// <summary>(handle, xDesc, x, dyDesc, dy, convDesc, dwDesc, dw, requested, returned*, perf*, workspace, workspaceBytes).</summary>
    public readonly delegate* unmanaged<nint, nint, nint, nint, nint, nint, nint, nint, int, int*, ConvolutionAlgorithmPerformance*, nint, nuint, int> cudnnFindConvolutionBackwardFilterAlgorithmEx;
    /// <summary>(handle, xDesc, dyDesc, convDesc, dwDesc, algo, bytes*).</summary>
    public readonly delegate* unmanaged<nint, nint, nint, nint, nint, int, nuint*, int> cudnnGetConvolutionBackwardFilterWorkspaceSize;
    /// <summary>(handle, alpha, xDesc, x, dyDesc, dy, convDesc, algo, workspace, workspaceBytes, beta, dwDesc, dw).</summary>
    public readonly delegate* unmanaged<nint, float*, nint, nint, nint, nint, nint, int, nint, nuint, float*, nint, nint, int> cudnnConvolutionBackwardFilter;
    /// <summary>(handle, alpha, dyDesc, dy, beta, dbDesc, db).</summary>
    public readonly delegate* unmanaged<nint, float*, nint, nint, float*, nint, nint, int> cudnnConvolutionBackwardBias;

    public CudnnApi(Exports e)
    {
        cudnnGetVersion = (delegate* unmanaged<nuint>)e.Get("cudnnGetVersion");
        cudnnGetErrorString = (delegate* unmanaged<int, byte*>)e.Get("cudnnGetErrorString");
        cudnnGetLastErrorString = (delegate* unmanaged<byte*, nuint, void>)e.Find("cudnnGetLastErrorString");
        cudnnCreate = (delegate* unmanaged<nint*, int>)e.Get("cudnnCreate");
        cudnnDestroy = (delegate* unmanaged<nint, int>)e.Get("cudnnDestroy");
        cudnnSetStream = (delegate* unmanaged<nint, nint, int>)e.Get("cudnnSetStream");

        cudnnCreateTensorDescriptor = (delegate* unmanaged<nint*, int>)e.Get("cudnnCreateTensorDescriptor");
        cudnnSetTensor4dDescriptor = (delegate* unmanaged<nint, int, int, int, int, int, int, int>)e.Get("cudnnSetTensor4dDescriptor");
        cudnnDestroyTensorDescriptor = (delegate* unmanaged<nint, int>)e.Get("cudnnDestroyTensorDescriptor");
        cudnnCreateFilterDescriptor = (delegate* unmanaged<nint*, int>)e.Get("cudnnCreateFilterDescriptor");
        cudnnSetFilter4dDescriptor = (delegate* unmanaged<nint, int, int, int, int, int, int, int>)e.Get("cudnnSetFilter4dDescriptor");
        cudnnDestroyFilterDescriptor = (delegate* unmanaged<nint, int>)e.Get("cudnnDestroyFilterDescriptor");
        cudnnCreatePoolingDescriptor = (delegate* unmanaged<nint*, int>)e.Get("cudnnCreatePoolingDescriptor");
        cudnnSetPooling2dDescriptor = (delegate* unmanaged<nint, int, int, int, int, int, int, int, int, int>)e.Get("cudnnSetPooling2dDescriptor");
        cudnnDestroyPoolingDescriptor = (delegate* unmanaged<nint, int>)e.Get("cudnnDestroyPoolingDescriptor");

        cudnnPoolingForward = (delegate* unmanaged<nint, nint, float*, nint, nint, float*, nint, nint, int>)e.Get("cudnnPoolingForward");
        cudnnPoolingBackward = (delegate* unmanaged<nint, nint, float*, nint, nint, nint, nint, nint, nint, float*, nint, nint, int>)e.Get("cudnnPoolingBackward");
        cudnnDeriveBNTensorDescriptor = (delegate* unmanaged<nint, nint, int, int>)e.Get("cudnnDeriveBNTensorDescriptor");
        cudnnBatchNormalizationForwardTraining = (delegate* unmanaged<nint, int, float*, float*, nint, nint, nint, nint, nint, nint, nint, double, nint, nint, double, nint, nint, int>)e.Get("cudnnBatchNormalizationForwardTraining");
        cudnnBatchNormalizationForwardInference = (delegate* unmanaged<nint, int, float*, float*, nint, nint, nint, nint, nint, nint, nint, nint, nint, double, int>)e.Get("cudnnBatchNormalizationForwardInference");
        cudnnBatchNormalizationBackward = (delegate* unmanaged<nint, int, float*, float*, float*, float*, nint, nint, nint, nint, nint, nint, nint, nint, nint, nint, double, nint, nint, int>)e.Get("cudnnBatchNormalizationBackward");

        cudnnCreateConvolutionDescriptor = (delegate* unmanaged<nint*, int>)e.Get("cudnnCreateConvolutionDescriptor");
        cudnnSetConvolution2dDescriptor = (delegate* unmanaged<nint, int, int, int, int, int, int, int, int, int>)e.Get("cudnnSetConvolution2dDescriptor");
        cudnnSetConvolutionMathType = (delegate* unmanaged<nint, int, int>)e.Get("cudnnSetConvolutionMathType");
        cudnnSetConvolutionGroupCount = (delegate* unmanaged<nint, int, int>)e.Get("cudnnSetConvolutionGroupCount");
        cudnnDestroyConvolutionDescriptor = (delegate* unmanaged<nint, int>)e.Get("cudnnDestroyConvolutionDescriptor");

        cudnnGetConvolutionForwardAlgorithm_v7 = (delegate* unmanaged<nint, nint, nint, nint, nint, int, int*, ConvolutionAlgorithmPerformance*, int>)e.Get("cudnnGetConvolutionForwardAlgorithm_v7");
        cudnnFindConvolutionForwardAlgorithmEx = (delegate* unmanaged<nint, nint, nint, nint, nint, nint, nint, nint, int, int*, ConvolutionAlgorithmPerformance*, nint, nuint, int>)e.Get("cudnnFindConvolutionForwardAlgorithmEx");
        cudnnGetConvolutionForwardWorkspaceSize = (delegate* unmanaged<nint, nint, nint, nint, nint, int, nuint*, int>)e.Get("cudnnGetConvolutionForwardWorkspaceSize");
        cudnnConvolutionForward = (delegate* unmanaged<nint, float*, nint, nint, nint, nint, nint, int, nint, nuint, float*, nint, nint, int>)e.Get("cudnnConvolutionForward");

        cudnnGetConvolutionBackwardDataAlgorithm_v7 = (delegate* unmanaged<nint, nint, nint, nint, nint, int, int*, ConvolutionAlgorithmPerformance*, int>)e.Get("cudnnGetConvolutionBackwardDataAlgorithm_v7");
        cudnnFindConvolutionBackwardDataAlgorithmEx = (delegate* unmanaged<nint, nint, nint, nint, nint, nint, nint, nint, int, int*, ConvolutionAlgorithmPerformance*, nint, nuint, int>)e.Get("cudnnFindConvolutionBackwardDataAlgorithmEx");
        cudnnGetConvolutionBackwardDataWorkspaceSize = (delegate* unmanaged<nint, nint, nint, nint, nint, int, nuint*, int>)e.Get("cudnnGetConvolutionBackwardDataWorkspaceSize");
        cudnnConvolutionBackwardData = (delegate* unmanaged<nint, float*, nint, nint, nint, nint, nint, int, nint, nuint, float*, nint, nint, int>)e.Get("cudnnConvolutionBackwardData");

        cudnnGetConvolutionBackwardFilterAlgorithm_v7 = (delegate* unmanaged<nint, nint, nint, nint, nint, int, int*, ConvolutionAlgorithmPerformance*, int>)e.Get("cudnnGetConvolutionBackwardFilterAlgorithm_v7");
        cudnnFindConvolutionBackwardFilterAlgorithmEx = (delegate* unmanaged<nint, nint, nint, nint, nint, nint, nint, nint, int, int*, ConvolutionAlgorithmPerformance*, nint, nuint, int>)e.Get("cudnnFindConvolutionBackwardFilterAlgorithmEx");
        cudnnGetConvolutionBackwardFilterWorkspaceSize = (delegate* unmanaged<nint, nint, nint, nint, nint, int, nuint*, int>)e.Get("cudnnGetConvolutionBackwardFilterWorkspaceSize");
        cudnnConvolutionBackwardFilter = (delegate* unmanaged<nint, float*, nint, nint, nint, nint, nint, int, nint, nuint, float*, nint, nint, int>)e.Get("cudnnConvolutionBackwardFilter");
        cudnnConvolutionBackwardBias = (delegate* unmanaged<nint, float*, nint, nint, float*, nint, nint, int>)e.Get("cudnnConvolutionBackwardBias");
    }
}
