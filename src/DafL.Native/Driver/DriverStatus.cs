using System.Runtime.CompilerServices;

namespace DafL.Native;

/// <summary>
/// CUresult: checking, and names. With the driver loaded, the names and descriptions are its own
/// (<c>cuGetErrorName</c>, <c>cuGetErrorString</c>); without it (a status met in a test, or while the driver is
/// failing to load) they come from CUDA 11.8's <c>cuda.h</c> (<see cref="HeaderStatusNames"/>).
/// </summary>
static unsafe class DriverStatus
{
    public const int Success = 0;
    public const int NoDevice = 100;

    /// <summary>Throws a <see cref="CudaException"/> naming the call unless <paramref name="status"/> is CUDA_SUCCESS.</summary>
    public static void Check(int status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != Success) throw Error(status, call);
    }

    /// <summary>The exception for a failed driver call; <paramref name="detail"/> says what the call was doing.</summary>
    public static CudaException Error(int status, string call, string? detail = null)
    {
        var (name, description) = Describe(status);
        return new CudaException(CudaLibrary.Driver, status, name, description, call, detail);
    }

    /// <summary>"CUDA_ERROR_NO_DEVICE (100): no CUDA-capable device is detected", as far as it is known.</summary>
    public static string Text(int status)
    {
        var (name, description) = Describe(status);
        return StatusText.Format(name, status, description);
    }

    static (string Name, string? Description) Describe(int status)
    {
        string? nativeName = null, description = null;
        if (Cuda.LoadedApi is { } api)
        {
            byte* text = null;
            if (api.cuGetErrorName(status, &text) == Success) nativeName = NativeText.Utf8(text);
            text = null;
            if (api.cuGetErrorString(status, &text) == Success) description = NativeText.Utf8(text);
        }
        return (StatusText.Name(CudaLibrary.Driver, status, nativeName), description);
    }
}
