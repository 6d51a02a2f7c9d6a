using System.Runtime.CompilerServices;

namespace DafL.Native;

/// <summary>
/// cudnnStatus_t: checking, and names. cuDNN 9 renumbered its statuses (BAD_PARAM was 3 in cuDNN 8 and is 2000
/// now); this table is cuDNN 9.6's <c>cudnn_graph.h</c>. With the library loaded, the name comes from
/// <c>cudnnGetErrorString</c> and the detail from <c>cudnnGetLastErrorString</c> (what cuDNN logged about the failure).
/// </summary>
static unsafe class CudnnStatus
{
    public const int Success = 0;

    static readonly Dictionary<int, string> HeaderNames = new()
    {
        [0] = "CUDNN_STATUS_SUCCESS",
        [1001] = "CUDNN_STATUS_NOT_INITIALIZED",
        [1002] = "CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH",
        [1003] = "CUDNN_STATUS_SERIALIZATION_VERSION_MISMATCH",
        [1004] = "CUDNN_STATUS_DEPRECATED",
        [1005] = "CUDNN_STATUS_LICENSE_ERROR",
        [1006] = "CUDNN_STATUS_RUNTIME_IN_PROGRESS",
        [1007] = "CUDNN_STATUS_RUNTIME_FP_OVERFLOW",
        [1008] = "CUDNN_STATUS_SUBLIBRARY_LOADING_FAILED",
        [2000] = "CUDNN_STATUS_BAD_PARAM",
        [2001] = "CUDNN_STATUS_INVALID_VALUE",
        [2002] = "CUDNN_STATUS_BAD_PARAM_NULL_POINTER",
        [2003] = "CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER",
        [2004] = "CUDNN_STATUS_BAD_PARAM_NOT_FINALIZED",
        [2005] = "CUDNN_STATUS_BAD_PARAM_OUT_OF_BOUND",
        [2006] = "CUDNN_STATUS_BAD_PARAM_SIZE_INSUFFICIENT",
        [2007] = "CUDNN_STATUS_BAD_PARAM_STREAM_MISMATCH",
        [2008] = "CUDNN_STATUS_BAD_PARAM_SHAPE_MISMATCH",
        [2009] = "CUDNN_STATUS_BAD_PARAM_DUPLICATED_ENTRIES",
        [2010] = "CUDNN_STATUS_BAD_PARAM_ATTRIBUTE_TYPE",
        [2011] = "CUDNN_STATUS_BAD_PARAM_CUDA_GRAPH_MISMATCH",
        [2012] = "CUDNN_STATUS_BAD_PARAM_DESCRIPTOR_TYPE",
        [3000] = "CUDNN_STATUS_NOT_SUPPORTED",
        [3001] = "CUDNN_STATUS_NOT_SUPPORTED_GRAPH_PATTERN",
        [3002] = "CUDNN_STATUS_NOT_SUPPORTED_SHAPE",
        [3003] = "CUDNN_STATUS_NOT_SUPPORTED_DATA_TYPE",
        [3004] = "CUDNN_STATUS_NOT_SUPPORTED_LAYOUT",
        [3005] = "CUDNN_STATUS_NOT_SUPPORTED_INCOMPATIBLE_CUDA_DRIVER",
        [3006] = "CUDNN_STATUS_NOT_SUPPORTED_INCOMPATIBLE_CUDART",
        [3007] = "CUDNN_STATUS_NOT_SUPPORTED_ARCH_MISMATCH",
        [3008] = "CUDNN_STATUS_NOT_SUPPORTED_RUNTIME_PREREQUISITE_MISSING",
        [3009] = "CUDNN_STATUS_NOT_SUPPORTED_SUBLIBRARY_UNAVAILABLE",
        [3010] = "CUDNN_STATUS_NOT_SUPPORTED_SHARED_MEMORY_INSUFFICIENT",
        [3011] = "CUDNN_STATUS_NOT_SUPPORTED_PADDING",
        [3012] = "CUDNN_STATUS_NOT_SUPPORTED_BAD_LAUNCH_PARAM",
        [3013] = "CUDNN_STATUS_NOT_SUPPORTED_CUDA_GRAPH_NATIVE_API",
        [4000] = "CUDNN_STATUS_INTERNAL_ERROR",
        [4001] = "CUDNN_STATUS_INTERNAL_ERROR_COMPILATION_FAILED",
        [4002] = "CUDNN_STATUS_INTERNAL_ERROR_UNEXPECTED_VALUE",
        [4003] = "CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED",
        [4004] = "CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED",
        [4005] = "CUDNN_STATUS_INTERNAL_ERROR_BAD_LAUNCH_PARAM",
        [4006] = "CUDNN_STATUS_INTERNAL_ERROR_TEXTURE_CREATION_FAILED",
        [5000] = "CUDNN_STATUS_EXECUTION_FAILED",
        [5001] = "CUDNN_STATUS_EXECUTION_FAILED_CUDA_DRIVER",
        [5002] = "CUDNN_STATUS_EXECUTION_FAILED_CUBLAS",
        [5003] = "CUDNN_STATUS_EXECUTION_FAILED_CUDART",
        [5004] = "CUDNN_STATUS_EXECUTION_FAILED_CURAND",
    };

    /// <summary>Throws a <see cref="CudaException"/> naming the call unless <paramref name="status"/> is CUDNN_STATUS_SUCCESS.</summary>
    public static void Check(int status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != Success) throw Error(status, call);
    }

    /// <summary>"CUDNN_STATUS_NOT_SUPPORTED (3000)": a status that cuDNN reported rather than returned (an algorithm's perf entry).</summary>
    public static string Text(int status) => StatusText.Format(Name(status), status, null);

    /// <summary>The exception for a failed cuDNN call, with cuDNN's own account of the failure when it kept one.</summary>
    public static CudaException Error(int status, string call)
    {
        string? detail = null;
        if (Cudnn.LoadedApi is { } api)
        {
            if (api.cudnnGetLastErrorString is not null)
            {
                const int Capacity = 1024;
                byte* message = stackalloc byte[Capacity];
                message[0] = 0;
                api.cudnnGetLastErrorString(message, Capacity);
                message[Capacity - 1] = 0;
                detail = NativeText.Utf8(message);
            }
        }
        return new CudaException(CudaLibrary.Cudnn, status, Name(status), null, call, detail);
    }

    static string Name(int status)
    {
        string? nativeName = Cudnn.LoadedApi is { } api ? NativeText.Utf8(api.cudnnGetErrorString(status)) : null;
        return StatusText.Name(status, nativeName, HeaderNames, "unknown cudnnStatus_t");
    }
}
