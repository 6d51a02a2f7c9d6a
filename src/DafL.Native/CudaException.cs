namespace DafL.Native;

/// <summary>
/// A call into an NVIDIA library returned an error status. The message names the library, the call as written
/// in the source (captured with <c>[CallerArgumentExpression]</c>), the status's name and number, the library's
/// own description when it has one, and any detail (for NVRTC, the compiler log).
/// </summary>
public class CudaException : Exception
{
    /// <summary>The library whose call failed.</summary>
    public CudaLibrary Library { get; }
    /// <summary>The status number the call returned.</summary>
    public int Status { get; }
    /// <summary>The status's name, e.g. <c>CUDA_ERROR_OUT_OF_MEMORY</c>.</summary>
    public string StatusName { get; }
    /// <summary>The call as written in the bindings' source.</summary>
    public string Call { get; }

    public CudaException(CudaLibrary library, int status, string statusName, string? statusDescription, string call, string? detail = null)
        : base(Format(library, status, statusName, statusDescription, call, detail))
    {
        Library = library;
        Status = status;
        StatusName = statusName;
        Call = call;
    }

    static string Format(CudaLibrary library, int status, string name, string? description, string call, string? detail)
    {
        string text = $"{LibraryCatalog.DisplayName(library)} call {call} failed: {name} ({status})";
        if (!string.IsNullOrWhiteSpace(description) && description != name) text += $": {description}";
        if (!string.IsNullOrWhiteSpace(detail)) text += Environment.NewLine + detail.TrimEnd();
        return text;
    }
}
