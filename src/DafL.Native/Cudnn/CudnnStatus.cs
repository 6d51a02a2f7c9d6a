using System.Runtime.CompilerServices;

namespace DafL.Native;

/// <summary>
/// cudnnStatus_t: checking, and names (cuDNN 9.6's <c>cudnn_graph.h</c> in <see cref="HeaderStatusNames"/>, as cuDNN 9
/// renumbered its statuses). With the library loaded, the name comes from
/// <c>cudnnGetErrorString</c> and the detail from <c>cudnnGetLastErrorString</c> (what cuDNN logged about the failure).
/// </summary>
static unsafe class CudnnStatus
{
    public const int Success = 0;

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
        return StatusText.Name(CudaLibrary.Cudnn, status, nativeName);
    }
}
