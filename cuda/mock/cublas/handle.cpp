// handle.cpp: the handle and its settings ("cuBLAS Helper Function Reference", cuBLAS documentation).
//
// Live handles are kept in a set, so that a null or destroyed handle is refused with
// CUBLAS_STATUS_NOT_INITIALIZED, which the real library returns for a null handle in every call below except
// cublasGetVersion (checked against libcublas.so.11.11.3.6, CUDA 11.8's).
#include "cublas_mock.h"

#include <mutex>
#include <unordered_set>

struct cublasContext
{
    mockblas::HandleState state;
};

namespace
{
std::mutex gate; // guards `live` and every handle's state
std::unordered_set<cublasHandle_t> live;

// CUDA 11.8's cuBLAS is 11.11.3, and its cublas_api.h has CUBLAS_VERSION = major·10000 + minor·100 + patch
// (some earlier 11.x headers had major·1000), so the major matches the file name libcublas.so.11. The real
// library returns exactly this, 111103.
constexpr int version = 11 * 10000 + 11 * 100 + 3;

// cublasMath_t values cublasSetMathMode accepts: a mode of CUDA 11.8's cublasMath_t, optionally with
// CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION (what the real library checks: low four bits at most 3, no
// bits above the flag).
bool valid_math_mode(cublasMath_t mode)
{
    int base = mode & ~CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION;
    return base == CUBLAS_DEFAULT_MATH || base == CUBLAS_TENSOR_OP_MATH || base == CUBLAS_PEDANTIC_MATH ||
           base == CUBLAS_TF32_TENSOR_OP_MATH;
}
} // namespace

bool mockblas::handle_state(cublasHandle_t handle, HandleState& out)
{
    std::lock_guard<std::mutex> lock(gate);
    if (live.count(handle) == 0) return false;
    out = handle->state;
    return true;
}

// "cublasCreate()": INVALID_VALUE for a null pointer to the handle, as the real library returns.
CUBLAS_MOCK_API cublasStatus_t cublasCreate_v2(cublasHandle_t* handle)
{
    MOCKGPU_TRACE_CALL();
    if (handle == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
    cublasHandle_t created = new cublasContext;
    std::lock_guard<std::mutex> lock(gate);
    live.insert(created);
    *handle = created;
    return CUBLAS_STATUS_SUCCESS;
}

// "cublasDestroy()". Work already queued does not refer to the handle (it holds copies), so it may still run.
CUBLAS_MOCK_API cublasStatus_t cublasDestroy_v2(cublasHandle_t handle)
{
    MOCKGPU_TRACE_CALL();
    std::lock_guard<std::mutex> lock(gate);
    if (live.erase(handle) == 0) return CUBLAS_STATUS_NOT_INITIALIZED;
    delete handle;
    return CUBLAS_STATUS_SUCCESS;
}

// "cublasGetVersion()". The documentation gives NOT_INITIALIZED for a null `version`; CUDA 11.8's library
// returns INVALID_VALUE, and does not look at the handle at all (a null one gets the version too).
CUBLAS_MOCK_API cublasStatus_t cublasGetVersion_v2(cublasHandle_t, int* version_out)
{
    MOCKGPU_TRACE_CALL();
    if (version_out == nullptr) return CUBLAS_STATUS_INVALID_VALUE;
    *version_out = version;
    return CUBLAS_STATUS_SUCCESS;
}

// "cublasSetStream()": later calls run on `stream` (0: the legacy default stream). It also "unconditionally
// resets the cuBLAS library workspace back to the default workspace pool".
CUBLAS_MOCK_API cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t stream)
{
    MOCKGPU_TRACE_CALL();
    std::lock_guard<std::mutex> lock(gate);
    if (live.count(handle) == 0) return CUBLAS_STATUS_NOT_INITIALIZED;
    handle->state.stream = stream;
    handle->state.workspace = 0;
    handle->state.workspace_bytes = 0;
    return CUBLAS_STATUS_SUCCESS;
}

// "cublasSetWorkspace()": "The workspace pointer has to be aligned to at least 256 bytes, otherwise
// CUBLAS_STATUS_INVALID_VALUE error is returned." The workspace must also be device memory: a range outside
// every live allocation is refused the same way here (cuBLAS cannot tell, and would fault when it used it).
// Zero bytes means no workspace of the caller's. CUDA 11.8's library itself rounds a misaligned pointer up to
// 16 bytes instead of refusing it; the documented rule is the stricter one, so code that passes here passes
// with every version.
CUBLAS_MOCK_API cublasStatus_t cublasSetWorkspace_v2(cublasHandle_t handle, void* workspace, size_t bytes)
{
    MOCKGPU_TRACE_CALL();
    auto address = reinterpret_cast<mockgpu::DevicePtr>(workspace);
    std::lock_guard<std::mutex> lock(gate);
    if (live.count(handle) == 0) return CUBLAS_STATUS_NOT_INITIALIZED;
    if (address % 256 != 0) return CUBLAS_STATUS_INVALID_VALUE;
    std::string why;
    if (bytes != 0 && !mockgpu::check_range(address, bytes, &why)) return CUBLAS_STATUS_INVALID_VALUE;
    handle->state.workspace = bytes != 0 ? address : 0;
    handle->state.workspace_bytes = bytes;
    return CUBLAS_STATUS_SUCCESS;
}

// "cublasSetMathMode()": INVALID_VALUE for a mode that is not one (see valid_math_mode). What each mode does to
// SGEMM is in gemm.cpp.
CUBLAS_MOCK_API cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode)
{
    MOCKGPU_TRACE_CALL();
    std::lock_guard<std::mutex> lock(gate);
    if (live.count(handle) == 0) return CUBLAS_STATUS_NOT_INITIALIZED;
    if (!valid_math_mode(mode)) return CUBLAS_STATUS_INVALID_VALUE;
    handle->state.math_mode = mode;
    return CUBLAS_STATUS_SUCCESS;
}
