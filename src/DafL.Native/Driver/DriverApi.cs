namespace DafL.Native;

/// <summary>
/// The CUDA driver API functions the bindings use, resolved once from <c>libcuda.so.1</c>. Fields carry the
/// exported names, so that an error message's call text (<c>api.cuMemAlloc_v2(&amp;address, bytes)</c>) is the
/// symbol to look up. The <c>_v2</c> exports are the ones <c>cuda.h</c> maps the plain names to (checked in the
/// CUDA 11.8 and 12.6 headers; the 64-bit-size and primary-context-release revisions); <c>cuMemsetD32Async</c>,
/// <c>cuStreamEndCapture</c>, <c>cuGraphLaunch</c>, <c>cuModule*</c> and <c>cuLaunchKernel</c> have no <c>_v2</c>.
/// Types: CUdevice → int, CUdeviceptr → ulong, size_t → nuint, handles → nint, enums → int, CUresult → int.
/// </summary>
sealed unsafe class DriverApi
{
    public readonly delegate* unmanaged<uint, int> cuInit;
    public readonly delegate* unmanaged<int*, int> cuDriverGetVersion;
    public readonly delegate* unmanaged<int, byte**, int> cuGetErrorName;
    public readonly delegate* unmanaged<int, byte**, int> cuGetErrorString;

    public readonly delegate* unmanaged<int*, int> cuDeviceGetCount;
    public readonly delegate* unmanaged<int*, int, int> cuDeviceGet;
    public readonly delegate* unmanaged<byte*, int, int, int> cuDeviceGetName;
    public readonly delegate* unmanaged<int*, int, int, int> cuDeviceGetAttribute;
    public readonly delegate* unmanaged<nuint*, int, int> cuDeviceTotalMem_v2;

    public readonly delegate* unmanaged<nint*, int, int> cuDevicePrimaryCtxRetain;
    public readonly delegate* unmanaged<int, int> cuDevicePrimaryCtxRelease_v2;
    public readonly delegate* unmanaged<nint, int> cuCtxSetCurrent;
    public readonly delegate* unmanaged<int> cuCtxSynchronize;

    public readonly delegate* unmanaged<ulong*, nuint, int> cuMemAlloc_v2;
    public readonly delegate* unmanaged<ulong, int> cuMemFree_v2;
    public readonly delegate* unmanaged<nuint*, nuint*, int> cuMemGetInfo_v2;
    public readonly delegate* unmanaged<ulong, void*, nuint, int> cuMemcpyHtoD_v2;
    public readonly delegate* unmanaged<void*, ulong, nuint, int> cuMemcpyDtoH_v2;
    public readonly delegate* unmanaged<ulong, ulong, nuint, int> cuMemcpyDtoD_v2;
    public readonly delegate* unmanaged<ulong, void*, nuint, nint, int> cuMemcpyHtoDAsync_v2;
    public readonly delegate* unmanaged<void*, ulong, nuint, nint, int> cuMemcpyDtoHAsync_v2;
    public readonly delegate* unmanaged<ulong, ulong, nuint, nint, int> cuMemcpyDtoDAsync_v2;
    public readonly delegate* unmanaged<ulong, uint, nuint, nint, int> cuMemsetD32Async;

    public readonly delegate* unmanaged<nint*, uint, int> cuStreamCreate;
    public readonly delegate* unmanaged<nint, int> cuStreamDestroy_v2;
    public readonly delegate* unmanaged<nint, int> cuStreamSynchronize;
    public readonly delegate* unmanaged<nint, nint, uint, int> cuStreamWaitEvent;

    public readonly delegate* unmanaged<nint*, uint, int> cuEventCreate;
    public readonly delegate* unmanaged<nint, nint, int> cuEventRecord;
    public readonly delegate* unmanaged<nint, int> cuEventSynchronize;
    public readonly delegate* unmanaged<nint, int> cuEventDestroy_v2;
    /// <summary>
    /// <c>cuEventElapsedTime_v2</c> where the driver exports it (CUDA 13 headers map the plain name to it; the 12.6
    /// header has no <c>_v2</c>), else the original <c>cuEventElapsedTime</c>: same signature.
    /// </summary>
    public readonly delegate* unmanaged<float*, nint, nint, int> cuEventElapsedTime;

    public readonly delegate* unmanaged<nint*, void*, int> cuModuleLoadData;
    public readonly delegate* unmanaged<nint, int> cuModuleUnload;
    public readonly delegate* unmanaged<nint*, nint, byte*, int> cuModuleGetFunction;
    public readonly delegate* unmanaged<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int> cuLaunchKernel;

    public readonly delegate* unmanaged<nint, int, int> cuStreamBeginCapture_v2;
    public readonly delegate* unmanaged<nint, nint*, int> cuStreamEndCapture;
    public readonly delegate* unmanaged<nint*, nint, ulong, int> cuGraphInstantiateWithFlags;
    public readonly delegate* unmanaged<nint, nint, int> cuGraphLaunch;
    public readonly delegate* unmanaged<nint, int> cuGraphExecDestroy;
    public readonly delegate* unmanaged<nint, int> cuGraphDestroy;

    public DriverApi(Exports e)
    {
        cuInit = (delegate* unmanaged<uint, int>)e.Get("cuInit");
        cuDriverGetVersion = (delegate* unmanaged<int*, int>)e.Get("cuDriverGetVersion");
        cuGetErrorName = (delegate* unmanaged<int, byte**, int>)e.Get("cuGetErrorName");
        cuGetErrorString = (delegate* unmanaged<int, byte**, int>)e.Get("cuGetErrorString");

        cuDeviceGetCount = (delegate* unmanaged<int*, int>)e.Get("cuDeviceGetCount");
        cuDeviceGet = (delegate* unmanaged<int*, int, int>)e.Get("cuDeviceGet");
        cuDeviceGetName = (delegate* unmanaged<byte*, int, int, int>)e.Get("cuDeviceGetName");
        cuDeviceGetAttribute = (delegate* unmanaged<int*, int, int, int>)e.Get("cuDeviceGetAttribute");
        cuDeviceTotalMem_v2 = (delegate* unmanaged<nuint*, int, int>)e.Get("cuDeviceTotalMem_v2");

        cuDevicePrimaryCtxRetain = (delegate* unmanaged<nint*, int, int>)e.Get("cuDevicePrimaryCtxRetain");
        cuDevicePrimaryCtxRelease_v2 = (delegate* unmanaged<int, int>)e.Get("cuDevicePrimaryCtxRelease_v2");
        cuCtxSetCurrent = (delegate* unmanaged<nint, int>)e.Get("cuCtxSetCurrent");
        cuCtxSynchronize = (delegate* unmanaged<int>)e.Get("cuCtxSynchronize");

        cuMemAlloc_v2 = (delegate* unmanaged<ulong*, nuint, int>)e.Get("cuMemAlloc_v2");
        cuMemFree_v2 = (delegate* unmanaged<ulong, int>)e.Get("cuMemFree_v2");
        cuMemGetInfo_v2 = (delegate* unmanaged<nuint*, nuint*, int>)e.Get("cuMemGetInfo_v2");
        cuMemcpyHtoD_v2 = (delegate* unmanaged<ulong, void*, nuint, int>)e.Get("cuMemcpyHtoD_v2");
        cuMemcpyDtoH_v2 = (delegate* unmanaged<void*, ulong, nuint, int>)e.Get("cuMemcpyDtoH_v2");
        cuMemcpyDtoD_v2 = (delegate* unmanaged<ulong, ulong, nuint, int>)e.Get("cuMemcpyDtoD_v2");
        cuMemcpyHtoDAsync_v2 = (delegate* unmanaged<ulong, void*, nuint, nint, int>)e.Get("cuMemcpyHtoDAsync_v2");
        cuMemcpyDtoHAsync_v2 = (delegate* unmanaged<void*, ulong, nuint, nint, int>)e.Get("cuMemcpyDtoHAsync_v2");
        cuMemcpyDtoDAsync_v2 = (delegate* unmanaged<ulong, ulong, nuint, nint, int>)e.Get("cuMemcpyDtoDAsync_v2");
        cuMemsetD32Async = (delegate* unmanaged<ulong, uint, nuint, nint, int>)e.Get("cuMemsetD32Async");

        cuStreamCreate = (delegate* unmanaged<nint*, uint, int>)e.Get("cuStreamCreate");
        cuStreamDestroy_v2 = (delegate* unmanaged<nint, int>)e.Get("cuStreamDestroy_v2");
        cuStreamSynchronize = (delegate* unmanaged<nint, int>)e.Get("cuStreamSynchronize");
        cuStreamWaitEvent = (delegate* unmanaged<nint, nint, uint, int>)e.Get("cuStreamWaitEvent");

        cuEventCreate = (delegate* unmanaged<nint*, uint, int>)e.Get("cuEventCreate");
        cuEventRecord = (delegate* unmanaged<nint, nint, int>)e.Get("cuEventRecord");
        cuEventSynchronize = (delegate* unmanaged<nint, int>)e.Get("cuEventSynchronize");
        cuEventDestroy_v2 = (delegate* unmanaged<nint, int>)e.Get("cuEventDestroy_v2");
        nint elapsed = e.Find("cuEventElapsedTime_v2");
        cuEventElapsedTime = (delegate* unmanaged<float*, nint, nint, int>)(elapsed != 0 ? elapsed : e.Get("cuEventElapsedTime"));

        cuModuleLoadData = (delegate* unmanaged<nint*, void*, int>)e.Get("cuModuleLoadData");
        cuModuleUnload = (delegate* unmanaged<nint, int>)e.Get("cuModuleUnload");
        cuModuleGetFunction = (delegate* unmanaged<nint*, nint, byte*, int>)e.Get("cuModuleGetFunction");
        cuLaunchKernel = (delegate* unmanaged<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int>)e.Get("cuLaunchKernel");

        cuStreamBeginCapture_v2 = (delegate* unmanaged<nint, int, int>)e.Get("cuStreamBeginCapture_v2");
        cuStreamEndCapture = (delegate* unmanaged<nint, nint*, int>)e.Get("cuStreamEndCapture");
        cuGraphInstantiateWithFlags = (delegate* unmanaged<nint*, nint, ulong, int>)e.Get("cuGraphInstantiateWithFlags");
        cuGraphLaunch = (delegate* unmanaged<nint, nint, int>)e.Get("cuGraphLaunch");
        cuGraphExecDestroy = (delegate* unmanaged<nint, int>)e.Get("cuGraphExecDestroy");
        cuGraphDestroy = (delegate* unmanaged<nint, int>)e.Get("cuGraphDestroy");
    }
}
