// status.cpp: cublasGetStatusName and cublasGetStatusString ("cublasGetStatusName()", "cublasGetStatusString()",
// cuBLAS 11.4 and later). The texts are those the real CUDA 11.8 library returns (libcublas.so.11.11.3.6, which
// forwards to cublasLtGetStatusName/String), including "unrecognized status" for any other value.
#include "cublas_mock.h"

namespace
{
const mockgpu::StatusText<cublasStatus_t> texts[] = {
    MOCKGPU_STATUS(CUBLAS_STATUS_SUCCESS, "success"),
    MOCKGPU_STATUS(CUBLAS_STATUS_NOT_INITIALIZED, "the library was not initialized"),
    MOCKGPU_STATUS(CUBLAS_STATUS_ALLOC_FAILED, "the resource allocation failed"),
    MOCKGPU_STATUS(CUBLAS_STATUS_INVALID_VALUE, "an unsupported value or parameter was passed to the function"),
    MOCKGPU_STATUS(CUBLAS_STATUS_ARCH_MISMATCH, "the function requires an architectural feature absent from the device"),
    MOCKGPU_STATUS(CUBLAS_STATUS_MAPPING_ERROR, "an access to GPU memory space failed"),
    MOCKGPU_STATUS(CUBLAS_STATUS_EXECUTION_FAILED, "the function failed to launch on the GPU"),
    MOCKGPU_STATUS(CUBLAS_STATUS_INTERNAL_ERROR, "an internal operation failed"),
    MOCKGPU_STATUS(CUBLAS_STATUS_NOT_SUPPORTED, "the requested functionality is not supported"),
    MOCKGPU_STATUS(CUBLAS_STATUS_LICENSE_ERROR, "the license check failed"),
};

const char* const unrecognized = "unrecognized status";
} // namespace

CUBLAS_MOCK_API const char* cublasGetStatusName(cublasStatus_t status)
{
    MOCKGPU_TRACE_CALL();
    const auto* t = mockgpu::find_status(texts, status);
    return t != nullptr ? t->name : unrecognized;
}

CUBLAS_MOCK_API const char* cublasGetStatusString(cublasStatus_t status)
{
    MOCKGPU_TRACE_CALL();
    const auto* t = mockgpu::find_status(texts, status);
    return t != nullptr ? t->description : unrecognized;
}
