using System.Runtime.CompilerServices;

namespace DafL.Native;

/// <summary>nvrtcResult: checking, and names (<c>nvrtcGetErrorString</c> returns the name; else CUDA 11.8's <c>nvrtc.h</c>).</summary>
static unsafe class NvrtcStatus
{
    public const int Success = 0;
    public const int Compilation = 6;

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
        return new CudaException(CudaLibrary.Nvrtc, status, StatusText.Name(CudaLibrary.Nvrtc, status, nativeName), null, call, detail);
    }
}
