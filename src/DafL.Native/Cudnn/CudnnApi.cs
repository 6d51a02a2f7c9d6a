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

    /// <summary>Forward y from (x, w), backward data dx from (w, dy), backward filter dw from (x, dy).</summary>
    public readonly ConvolutionEntryPoints ConvolutionForward, ConvolutionBackwardData, ConvolutionBackwardFilter;
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

        ConvolutionForward = new ConvolutionEntryPoints(e, "Forward", 8);               // CUDNN_CONVOLUTION_FWD_ALGO_COUNT
        ConvolutionBackwardData = new ConvolutionEntryPoints(e, "BackwardData", 6);     // CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT
        ConvolutionBackwardFilter = new ConvolutionEntryPoints(e, "BackwardFilter", 7); // CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT
        cudnnConvolutionBackwardBias = (delegate* unmanaged<nint, float*, nint, nint, float*, nint, nint, int>)e.Get("cudnnConvolutionBackwardBias");
    }
}
