// errors.cpp: cuGetErrorName and cuGetErrorString, with the names and descriptions that cuda.h documents for each
// CUresult the mock returns.
#include "driver.h"

namespace
{
const mockgpu::StatusText<int> error_texts[] = {
    MOCKGPU_STATUS(CUDA_SUCCESS, "no error"),
    MOCKGPU_STATUS(CUDA_ERROR_INVALID_VALUE, "invalid argument"),
    MOCKGPU_STATUS(CUDA_ERROR_OUT_OF_MEMORY, "out of memory"),
    MOCKGPU_STATUS(CUDA_ERROR_NOT_INITIALIZED, "initialization error"),
    MOCKGPU_STATUS(CUDA_ERROR_NO_DEVICE, "no CUDA-capable device is detected"),
    MOCKGPU_STATUS(CUDA_ERROR_INVALID_DEVICE, "invalid device ordinal"),
    MOCKGPU_STATUS(CUDA_ERROR_INVALID_IMAGE, "device kernel image is invalid"),
    MOCKGPU_STATUS(CUDA_ERROR_INVALID_CONTEXT, "invalid device context"),
    MOCKGPU_STATUS(CUDA_ERROR_NO_BINARY_FOR_GPU, "no kernel image is available for execution on the device"),
    MOCKGPU_STATUS(CUDA_ERROR_INVALID_HANDLE, "invalid resource handle"),
    MOCKGPU_STATUS(CUDA_ERROR_ILLEGAL_STATE, "the operation is not permitted in the current state"),
    MOCKGPU_STATUS(CUDA_ERROR_NOT_FOUND, "named symbol not found"),
    MOCKGPU_STATUS(CUDA_ERROR_NOT_READY, "device not ready"),
    MOCKGPU_STATUS(CUDA_ERROR_ILLEGAL_ADDRESS, "an illegal memory access was encountered"),
    MOCKGPU_STATUS(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, "too many resources requested for launch"),
    MOCKGPU_STATUS(CUDA_ERROR_LAUNCH_FAILED, "unspecified launch failure"),
    MOCKGPU_STATUS(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "operation not permitted when stream is capturing"),
    MOCKGPU_STATUS(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "operation failed due to a previous error during capture"),
    MOCKGPU_STATUS(CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD, "attempt to terminate a thread-local capture sequence from another thread"),
};
} // namespace

// "CUDA_ERROR_INVALID_VALUE ... if error is not a valid CUresult", with *pStr set to NULL.
CUDA_API CUresult cuGetErrorName(int error, const char** text)
{
    MOCKGPU_TRACE_CALL();
    if (text == nullptr) return CUDA_ERROR_INVALID_VALUE;
    const auto* e = mockgpu::find_status(error_texts, error);
    *text = e ? e->name : nullptr;
    return e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

CUDA_API CUresult cuGetErrorString(int error, const char** text)
{
    MOCKGPU_TRACE_CALL();
    if (text == nullptr) return CUDA_ERROR_INVALID_VALUE;
    const auto* e = mockgpu::find_status(error_texts, error);
    *text = e ? e->description : nullptr;
    return e ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}
