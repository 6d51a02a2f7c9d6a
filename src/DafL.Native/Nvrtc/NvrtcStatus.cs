using System.Runtime.CompilerServices;

namespace DafL.Native;

/// <summary>nvrtcResult: checking, and names (<c>nvrtcGetErrorString</c> returns the name; else CUDA 11.8's <c>nvrtc.h</c>).</summary>
static unsafe class NvrtcStatus
{
    public const int Success = 0;
    public const int Compilation = 6;

    static readonly Dictionary<int, string> HeaderNames = new()
    {
        [0] = "NVRTC_SUCCESS",
        [1] = "NVRTC_ERROR_OUT_OF_MEMORY",
        [2] = "NVRTC_ERROR_PROGRAM_CREATION_FAILURE",
        [3] = "NVRTC_ERROR_INVALID_INPUT",
        [4] = "NVRTC_ERROR_INVALID_PROGRAM",
        [5] = "NVRTC_ERROR_INVALID_OPTION",
        [6] = "NVRTC_ERROR_COMPILATION",
        [7] = "NVRTC_ERROR_BUILTIN_OPERATION_FAILURE",
        [8] = "NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION",
        [9] = "NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION",
        [10] = "NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID",
        [11] = "NVRTC_ERROR_INTERNAL_ERROR",
    };

    /// <summary>Throws a <see cref="CudaException"/> naming the call unless <paramref name="status"/> is NVRTC_SUCCESS.</summary>
    public static void Check(int status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != Success) throw Error(status, call, null);
    }

    /// <summary>The exception for a failed NVRTC call; <paramref name="detail"/> carries the compiler log.</summary>
    public static CudaException Error(int status, string call, string? detail)
    {
        // nvrtcGetErrorString answers "NVRTC_ERROR unknown" for numbers it does not know: prefer the table then.
        string? nativeName = Nvrtc.LoadedApi is { } api ? NativeText.Utf8(api.nvrtcGetErrorString(status)) : null;
        if (nativeName is not null && nativeName.Contains(' ')) nativeName = null;
        return new CudaException(CudaLibrary.Nvrtc, status, StatusText.Name(status, nativeName, HeaderNames, "unknown nvrtcResult"), null, call, detail);
    }
}
