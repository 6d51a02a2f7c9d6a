// cublas_mock.h: the pieces the mock cuBLAS (libcublas.so.11) shares between its files.
//
// status.cpp      cublasGetStatusName / cublasGetStatusString
// handle.cpp      which handles are live, cublasCreate / Destroy / GetVersion / SetStream / SetWorkspace / SetMathMode
// gemm.cpp        cublasSgemm_v2 and cublasSgemmStridedBatched: the argument and range checks, and the queueing
// sgemm.cpp       the arithmetic of one column-major SGEMM, with the input rounding of the math mode
// cublasLt.cpp    the empty libcublasLt.so.11 that the library locator requires beside libcublas.so.11
//
// The API is the CUDA 11.8 cuBLAS (11.11.3) as src/DafL.Native/Cublas/CublasApi.cs binds it: the _v2 entry points
// of cublas_v2.h, enums passed as int, alpha and beta as host pointers (CUBLAS_POINTER_MODE_HOST, the default).
// Arguments are checked when a call is made, as cuBLAS does; the arithmetic is queued on the handle's stream
// (mockgpu::enqueue) with everything it needs copied into the queued work. Device pointers are host addresses,
// and every range a call will touch is checked against the live allocations at call time.
#pragma once

#include "../mock.h"

#include <cstddef>

#define CUBLAS_MOCK_API extern "C" MOCKGPU_API

// cublas_api.h's types as the C ABI passes them: enums are ints, the handle a pointer to an opaque struct.
typedef int cublasStatus_t;
typedef int cublasOperation_t;
typedef int cublasMath_t;
typedef struct cublasContext* cublasHandle_t;
typedef void* cudaStream_t;

// cublasStatus_t (cublas_api.h).
enum : int
{
    CUBLAS_STATUS_SUCCESS = 0,
    CUBLAS_STATUS_NOT_INITIALIZED = 1,
    CUBLAS_STATUS_ALLOC_FAILED = 3,
    CUBLAS_STATUS_INVALID_VALUE = 7,
    CUBLAS_STATUS_ARCH_MISMATCH = 8,
    CUBLAS_STATUS_MAPPING_ERROR = 11,
    CUBLAS_STATUS_EXECUTION_FAILED = 13,
    CUBLAS_STATUS_INTERNAL_ERROR = 14,
    CUBLAS_STATUS_NOT_SUPPORTED = 15,
    CUBLAS_STATUS_LICENSE_ERROR = 16,
};

// cublasOperation_t.
enum : int
{
    CUBLAS_OP_N = 0,
    CUBLAS_OP_T = 1,
    CUBLAS_OP_C = 2,
};

// cublasMath_t (CUDA 11.8): a mode, optionally or-ed with the reduced-precision-reduction flag.
enum : int
{
    CUBLAS_DEFAULT_MATH = 0,
    CUBLAS_TENSOR_OP_MATH = 1, // deprecated
    CUBLAS_PEDANTIC_MATH = 2,
    CUBLAS_TF32_TENSOR_OP_MATH = 3,
    CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION = 16,
};

namespace mockblas
{
// A handle's settings, as a call sees them.
struct HandleState
{
    cudaStream_t stream = nullptr; // the legacy default stream until cublasSetStream
    cublasMath_t math_mode = CUBLAS_DEFAULT_MATH;
    mockgpu::DevicePtr workspace = 0; // set by cublasSetWorkspace; 0 bytes = cuBLAS's own pool
    size_t workspace_bytes = 0;
};

// The settings of `handle`; false for a null handle or one already destroyed, so that a call on it is refused
// with CUBLAS_STATUS_NOT_INITIALIZED instead of reading freed memory.
bool handle_state(cublasHandle_t handle, HandleState& out);

// What the math mode does to SGEMM's inputs before they are multiplied (gemm.cpp says which mode does what).
enum class InputRounding
{
    none, // full FP32
    tf32, // to TF32's 10 mantissa bits
    fp16, // to IEEE half precision
};

// One operand of a column-major GEMM: element (row, col) of op(X) is data[row + col·ld], or data[col + row·ld]
// when transposed.
struct Operand
{
    const float* data;
    long long ld;
    bool transposed;
};

// C (m×n, column-major, leading dimension ldc) = alpha·op(A)·op(B) + beta·C, where op(A) is m×k and op(B) k×n.
// The products of the rounded inputs are summed in double in order of k, then scaled and rounded to float once.
// With beta = 0, C is not read; with k = 0 or alpha = 0, A and B are not read and C is only scaled by beta.
void sgemm(int m, int n, int k, float alpha, const Operand& a, const Operand& b, float beta, float* c, long long ldc,
           InputRounding rounding);
} // namespace mockblas
