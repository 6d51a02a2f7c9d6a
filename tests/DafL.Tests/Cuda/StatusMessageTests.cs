using DafL.Native;

namespace DafL.Tests.Native;

/// <summary>Every failed status becomes a <see cref="CudaException"/> naming the library, the call, the status's name and number.</summary>
public class StatusMessageTests
{
    // Stand-ins for native calls: the Check helpers capture the argument expression as the call's text.
    static int cuMemAlloc_v2(int status) => status;
    static int cublasSgemm_v2(int status) => status;
    static int cudnnConvolutionForward(int status) => status;
    static int nvrtcCompileProgram(int status) => status;

    // Where the library is loaded (a GPU, or the mock GPU), a status is named as the library names it: the case's
    // name is the header's, for a process without it.
    static unsafe string? LoadedCublasName(int status) =>
        Cublas.LoadedApi is { } api && api.cublasGetStatusName is not null ? NativeText.Utf8(api.cublasGetStatusName(status)) : null;

    static unsafe string? LoadedCudnnName(int status) => Cudnn.LoadedApi is { } api ? NativeText.Utf8(api.cudnnGetErrorString(status)) : null;

    [Test]
    public void DriverStatusNamesTheCallTheStatusAndItsNumber()
    {
        var e = Assert.Throws<CudaException>(() => DriverStatus.Check(cuMemAlloc_v2(2)))!;

        Assert.That(e.Library, Is.EqualTo(CudaLibrary.Driver));
        Assert.That(e.Status, Is.EqualTo(2));
        Assert.That(e.StatusName, Is.EqualTo("CUDA_ERROR_OUT_OF_MEMORY"));
        Assert.That(e.Call, Is.EqualTo("cuMemAlloc_v2(2)"));
        Assert.That(e.Message, Does.StartWith("CUDA driver call cuMemAlloc_v2(2) failed: CUDA_ERROR_OUT_OF_MEMORY (2)"));
    }

    [TestCase(100, "CUDA_ERROR_NO_DEVICE")]
    [TestCase(201, "CUDA_ERROR_INVALID_CONTEXT")]
    [TestCase(222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION")]
    [TestCase(700, "CUDA_ERROR_ILLEGAL_ADDRESS")]
    [TestCase(999, "CUDA_ERROR_UNKNOWN")]
    [TestCase(123456, "unknown CUresult")]
    public void DriverStatusNames(int status, string name)
    {
        var e = Assert.Throws<CudaException>(() => DriverStatus.Check(cuMemAlloc_v2(status)))!;
        Assert.That(e.StatusName, Is.EqualTo(name));
        Assert.That(e.Message, Does.Contain($"{name} ({status})"));
    }

    [TestCase(1, "CUBLAS_STATUS_NOT_INITIALIZED")]
    [TestCase(7, "CUBLAS_STATUS_INVALID_VALUE")]
    [TestCase(13, "CUBLAS_STATUS_EXECUTION_FAILED")]
    [TestCase(42, "unknown cublasStatus_t")]
    public void CublasStatusNames(int status, string name)
    {
        name = LoadedCublasName(status) ?? name;
        var e = Assert.Throws<CudaException>(() => CublasStatus.Check(cublasSgemm_v2(status)))!;
        Assert.That(e.Library, Is.EqualTo(CudaLibrary.Cublas));
        Assert.That(e.Message, Does.StartWith($"cuBLAS call cublasSgemm_v2(status) failed: {name} ({status})"));
    }

    [TestCase(2000, "CUDNN_STATUS_BAD_PARAM")]
    [TestCase(3000, "CUDNN_STATUS_NOT_SUPPORTED")]
    [TestCase(1008, "CUDNN_STATUS_SUBLIBRARY_LOADING_FAILED")]
    [TestCase(4001, "CUDNN_STATUS_INTERNAL_ERROR_COMPILATION_FAILED")]
    [TestCase(3, "unknown cudnnStatus_t")] // cuDNN 8's BAD_PARAM: renumbered in cuDNN 9
    public void CudnnStatusNamesAreCudnn9s(int status, string name)
    {
        name = LoadedCudnnName(status) ?? name;
        var e = Assert.Throws<CudaException>(() => CudnnStatus.Check(cudnnConvolutionForward(status)))!;
        Assert.That(e.Library, Is.EqualTo(CudaLibrary.Cudnn));
        Assert.That(e.Message, Does.StartWith($"cuDNN call cudnnConvolutionForward(status) failed: {name} ({status})"));
    }

    [TestCase(3, "NVRTC_ERROR_INVALID_INPUT")]
    [TestCase(6, "NVRTC_ERROR_COMPILATION")]
    [TestCase(7, "NVRTC_ERROR_BUILTIN_OPERATION_FAILURE")]
    [TestCase(77, "unknown nvrtcResult")]
    public void NvrtcStatusNames(int status, string name)
    {
        var e = Assert.Throws<CudaException>(() => NvrtcStatus.Check(nvrtcCompileProgram(status)))!;
        Assert.That(e.Library, Is.EqualTo(CudaLibrary.Nvrtc));
        Assert.That(e.Message, Does.StartWith($"NVRTC call nvrtcCompileProgram(status) failed: {name} ({status})"));
    }

    [Test]
    public void SuccessDoesNotThrow()
    {
        Assert.That(() =>
        {
            DriverStatus.Check(cuMemAlloc_v2(0));
            CublasStatus.Check(cublasSgemm_v2(0));
            CudnnStatus.Check(cudnnConvolutionForward(0));
            NvrtcStatus.Check(nvrtcCompileProgram(0));
        }, Throws.Nothing);
    }

    [Test]
    public void DetailFollowsOnItsOwnLine()
    {
        var e = NvrtcStatus.Error(6, "nvrtcCompileProgram(k.cu, --gpu-architecture=sm_90)", "k.cu(3): error: identifier \"x\" is undefined\n");
        Assert.That(e.Message, Is.EqualTo(
            $"NVRTC call nvrtcCompileProgram(k.cu, --gpu-architecture=sm_90) failed: NVRTC_ERROR_COMPILATION (6){Environment.NewLine}k.cu(3): error: identifier \"x\" is undefined"));
    }
}
