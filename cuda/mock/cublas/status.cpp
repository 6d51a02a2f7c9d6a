// status.cpp: cublasGetStatusName and cublasGetStatusString ("cublasGetStatusName()", "cublasGetStatusString()",
// cuBLAS 11.4 and later). The texts are those the real CUDA 11.8 library returns (libcublas.so.11.11.3.6, which
// forwards to cublasLtGetStatusName/String), including "unrecognized status" for any other value.
#include "cublas_mock.h"

namespace
{
struct StatusText
{
    cublasStatus_t status;
    const char* name;
    const char* description;
};

const StatusText texts[] = {
    {CUBLAS_STATUS_SUCCESS, "CUBLAS_STATUS_SUCCESS", "success"},
    {CUBLAS_STATUS_NOT_INITIALIZED, "CUBLAS_STATUS_NOT_INITIALIZED", "the library was not initialized"},
    {CUBLAS_STATUS_ALLOC_FAILED, "CUBLAS_STATUS_ALLOC_FAILED", "the resource allocation failed"},
    {CUBLAS_STATUS_INVALID_VALUE, "CUBLAS_STATUS_INVALID_VALUE", "an unsupported value or parameter was passed to the function"},
    {CUBLAS_STATUS_ARCH_MISMATCH, "CUBLAS_STATUS_ARCH_MISMATCH", "the function requires an architectural feature absent from the device"},
    {CUBLAS_STATUS_MAPPING_ERROR, "CUBLAS_STATUS_MAPPING_ERROR", "an access to GPU memory space failed"},
    {CUBLAS_STATUS_EXECUTION_FAILED, "CUBLAS_STATUS_EXECUTION_FAILED", "the function failed to launch on the GPU"},
    {CUBLAS_STATUS_INTERNAL_ERROR, "CUBLAS_STATUS_INTERNAL_ERROR", "an internal operation failed"},
    {CUBLAS_STATUS_NOT_SUPPORTED, "CUBLAS_STATUS_NOT_SUPPORTED", "the requested functionality is not supported"},
    {CUBLAS_STATUS_LICENSE_ERROR, "CUBLAS_STATUS_LICENSE_ERROR", "the license check failed"},
};

const char* const unrecognized = "unrecognized status";

const StatusText* find(cublasStatus_t status)
{
    for (const StatusText& t : texts)
        if (t.status == status) return &t;
    return nullptr;
}
} // namespace

CUBLAS_MOCK_API const char* cublasGetStatusName(cublasStatus_t status)
{
    MOCKGPU_TRACE_CALL();
    const StatusText* t = find(status);
    return t != nullptr ? t->name : unrecognized;
}

CUBLAS_MOCK_API const char* cublasGetStatusString(cublasStatus_t status)
{
    MOCKGPU_TRACE_CALL();
    const StatusText* t = find(status);
    return t != nullptr ? t->description : unrecognized;
}
