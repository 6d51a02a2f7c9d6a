namespace DafL.Native;

/// <summary>
/// The NVRTC functions the bindings use, resolved once from <c>libnvrtc.so.N</c> (signatures checked against
/// CUDA 11.8's <c>nvrtc.h</c>; unchanged in 12.6). nvrtcProgram → nint; sizes include the trailing NUL.
/// </summary>
sealed unsafe class NvrtcApi
{
    public readonly delegate* unmanaged<int, byte*> nvrtcGetErrorString;
    public readonly delegate* unmanaged<int*, int*, int> nvrtcVersion;
    public readonly delegate* unmanaged<int*, int> nvrtcGetNumSupportedArchs;
    public readonly delegate* unmanaged<int*, int> nvrtcGetSupportedArchs;
    /// <summary>(program*, source, name, numHeaders, headers, includeNames).</summary>
    public readonly delegate* unmanaged<nint*, byte*, byte*, int, byte**, byte**, int> nvrtcCreateProgram;
    /// <summary>Takes a pointer to the handle, which it nulls.</summary>
    public readonly delegate* unmanaged<nint*, int> nvrtcDestroyProgram;
    public readonly delegate* unmanaged<nint, int, byte**, int> nvrtcCompileProgram;
    public readonly delegate* unmanaged<nint, nuint*, int> nvrtcGetProgramLogSize;
    public readonly delegate* unmanaged<nint, byte*, int> nvrtcGetProgramLog;
    public readonly delegate* unmanaged<nint, nuint*, int> nvrtcGetPTXSize;
    public readonly delegate* unmanaged<nint, byte*, int> nvrtcGetPTX;
    public readonly delegate* unmanaged<nint, nuint*, int> nvrtcGetCUBINSize;
    public readonly delegate* unmanaged<nint, byte*, int> nvrtcGetCUBIN;

    public NvrtcApi(Exports e)
    {
        nvrtcGetErrorString = (delegate* unmanaged<int, byte*>)e.Get("nvrtcGetErrorString");
        nvrtcVersion = (delegate* unmanaged<int*, int*, int>)e.Get("nvrtcVersion");
        nvrtcGetNumSupportedArchs = (delegate* unmanaged<int*, int>)e.Get("nvrtcGetNumSupportedArchs");
        nvrtcGetSupportedArchs = (delegate* unmanaged<int*, int>)e.Get("nvrtcGetSupportedArchs");
        nvrtcCreateProgram = (delegate* unmanaged<nint*, byte*, byte*, int, byte**, byte**, int>)e.Get("nvrtcCreateProgram");
        nvrtcDestroyProgram = (delegate* unmanaged<nint*, int>)e.Get("nvrtcDestroyProgram");
        nvrtcCompileProgram = (delegate* unmanaged<nint, int, byte**, int>)e.Get("nvrtcCompileProgram");
        nvrtcGetProgramLogSize = (delegate* unmanaged<nint, nuint*, int>)e.Get("nvrtcGetProgramLogSize");
        nvrtcGetProgramLog = (delegate* unmanaged<nint, byte*, int>)e.Get("nvrtcGetProgramLog");
        nvrtcGetPTXSize = (delegate* unmanaged<nint, nuint*, int>)e.Get("nvrtcGetPTXSize");
        nvrtcGetPTX = (delegate* unmanaged<nint, byte*, int>)e.Get("nvrtcGetPTX");
        nvrtcGetCUBINSize = (delegate* unmanaged<nint, nuint*, int>)e.Get("nvrtcGetCUBINSize");
        nvrtcGetCUBIN = (delegate* unmanaged<nint, byte*, int>)e.Get("nvrtcGetCUBIN");
    }
}
