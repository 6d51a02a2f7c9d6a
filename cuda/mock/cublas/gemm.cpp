// gemm.cpp: cublasSgemm_v2 and cublasSgemmStridedBatched ("cublas<t>gemm()", "cublas<t>gemmStridedBatched()",
// cuBLAS documentation), column-major C = alpha·op(A)·op(B) + beta·C with op(A) m×k, op(B) k×n, C m×n.
//
// When a call is made, in this order:
// - a null or destroyed handle: CUBLAS_STATUS_NOT_INITIALIZED (the real library checks it before anything else);
// - the documented INVALID_VALUE cases: m, n, k < 0 (and batchCount < 0); transa or transb not N, T or C;
//   lda < max(1, m) for op N, else < max(1, k); ldb < max(1, k) for op N, else < max(1, n); ldc < max(1, m);
//   alpha or beta null;
// - the quick returns of the reference BLAS (sgemm.f), which cuBLAS implements: nothing to do when m, n or
//   batchCount is 0, nor when k = 0 or alpha = 0 with beta = 1;
// - every device range the work will touch (C always; A and B unless k = 0 or alpha = 0, when they are not
//   read; the workspace of cublasSetWorkspace), each checked to lie in one live allocation: otherwise
//   mockgpu::fault(CUDA_ERROR_ILLEGAL_ADDRESS) and CUBLAS_STATUS_EXECUTION_FAILED;
// then alpha and beta are read (CUBLAS_POINTER_MODE_HOST, the default: host scalars, which the caller may
// release once the call returns; "Scalar Parameters", cuBLAS documentation) and the arithmetic is queued on the
// handle's stream. A stream the driver refuses (or its sticky error) gives CUBLAS_STATUS_EXECUTION_FAILED, "the
// function failed to launch on the GPU".
//
// "If beta == 0, C does not have to be a valid input": C is then written without being read (mock memory
// starts as NaN, so reading it would show). For real matrices op C is op T. The math mode (cublasMath_t,
// "cublasSetMathMode()") decides how A and B are rounded before they are multiplied:
//   CUBLAS_DEFAULT_MATH, CUBLAS_PEDANTIC_MATH: full FP32;
//   CUBLAS_TF32_TENSOR_OP_MATH: single precision routines may use TF32 tensor cores (compute type
//     CUBLAS_COMPUTE_32F_FAST_TF32): A and B rounded to TF32, products summed as in FP32 mode;
//   CUBLAS_TENSOR_OP_MATH (deprecated): for single precision GEMM, cuBLAS uses CUBLAS_COMPUTE_32F_FAST_16F:
//     A and B rounded to half precision;
//   CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION only concerns reductions in half precision, not SGEMM.
// Those are assumptions only a GPU can confirm: cuBLAS picks its kernels (and so its order of summation and its
// rounding of TF32 inputs) itself, and may compute in FP32 even where a mode allows less.
#include "cublas_mock.h"

#include <cstdio>
#include <string>

namespace
{
using mockblas::HandleState;
using mockblas::InputRounding;
using mockblas::Operand;
using mockgpu::DevicePtr;

constexpr int CUDA_ERROR_ILLEGAL_ADDRESS = 700;

bool valid_op(cublasOperation_t op)
{
    return op == CUBLAS_OP_N || op == CUBLAS_OP_T || op == CUBLAS_OP_C;
}

long long at_least_one(long long x)
{
    return x > 1 ? x : 1;
}

InputRounding rounding_of(cublasMath_t mode)
{
    switch (mode & ~CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION)
    {
    case CUBLAS_TF32_TENSOR_OP_MATH: return InputRounding::tf32;
    case CUBLAS_TENSOR_OP_MATH: return InputRounding::fp16;
    default: return InputRounding::none;
    }
}

// A call's arguments, after the pointers to alpha and beta have been read.
struct Gemm
{
    cublasOperation_t transa, transb;
    int m, n, k;
    float alpha;
    DevicePtr a;
    int lda;
    long long stride_a;
    DevicePtr b;
    int ldb;
    long long stride_b;
    float beta;
    DevicePtr c;
    int ldc;
    long long stride_c;
    int batches;
};

// The bytes from `base` that `batches` matrices of rows × cols (leading dimension ld) spaced `stride` floats
// apart span, rows and cols ≥ 1: the first byte (lowest address) and the count, or false when that would not
// even fit the address space.
bool span(DevicePtr base, long long rows, long long cols, long long ld, long long stride, int batches, DevicePtr& first,
          size_t& bytes)
{
    __int128 elements = static_cast<__int128>(cols - 1) * ld + rows;
    __int128 offset = static_cast<__int128>(batches - 1) * stride; // elements from the first matrix to the last
    __int128 low = offset < 0 ? offset : 0, high = (offset > 0 ? offset : 0) + elements;
    __int128 start = static_cast<__int128>(base) + low * 4, count = (high - low) * 4;
    if (start < 0 || start + count > static_cast<__int128>(~DevicePtr(0))) return false;
    first = static_cast<DevicePtr>(start);
    bytes = static_cast<size_t>(count);
    return true;
}

// Checks one operand's range; on failure records the fault and says which operand was where.
bool check_operand(const char* function, const char* name, DevicePtr base, long long rows, long long cols, long long ld,
                   long long stride, int batches, bool batched)
{
    DevicePtr first = 0;
    size_t bytes = 0;
    std::string why;
    const bool fits = span(base, rows, cols, ld, stride, batches, first, bytes);
    if (fits && mockgpu::check_range(first, bytes, &why)) return true;
    char shape[160];
    std::snprintf(shape, sizeof shape, "%lld×%lld, ld %lld", rows, cols, ld);
    std::string what = std::string(function) + ": " + name + " (" + shape;
    if (batched)
    {
        std::snprintf(shape, sizeof shape, ", %d matrices %lld floats apart", batches, stride);
        what += shape;
    }
    std::snprintf(shape, sizeof shape, "; %zu bytes from 0x%llx) ", bytes, static_cast<unsigned long long>(first));
    what += shape;
    what += fits ? "is not inside one live allocation: " + why : std::string("does not fit the address space");
    mockgpu::fault(CUDA_ERROR_ILLEGAL_ADDRESS, what);
    return false;
}

cublasStatus_t gemm(const char* function, bool batched, cublasHandle_t handle, Gemm g, const float* alpha, const float* beta)
{
    HandleState state;
    if (!mockblas::handle_state(handle, state)) return CUBLAS_STATUS_NOT_INITIALIZED;
    const bool a_n = g.transa == CUBLAS_OP_N, b_n = g.transb == CUBLAS_OP_N;
    if (g.m < 0 || g.n < 0 || g.k < 0 || g.batches < 0 || !valid_op(g.transa) || !valid_op(g.transb) ||
        g.lda < at_least_one(a_n ? g.m : g.k) || g.ldb < at_least_one(b_n ? g.k : g.n) || g.ldc < at_least_one(g.m) ||
        alpha == nullptr || beta == nullptr)
        return CUBLAS_STATUS_INVALID_VALUE;
    if (g.m == 0 || g.n == 0 || g.batches == 0) return CUBLAS_STATUS_SUCCESS;
    g.alpha = *alpha;
    g.beta = *beta;
    const bool reads_ab = g.k != 0 && g.alpha != 0.0f;
    if (!reads_ab && g.beta == 1.0f) return CUBLAS_STATUS_SUCCESS;

    if (reads_ab && (!check_operand(function, "A", g.a, a_n ? g.m : g.k, a_n ? g.k : g.m, g.lda, g.stride_a, g.batches, batched) ||
                     !check_operand(function, "B", g.b, b_n ? g.k : g.n, b_n ? g.n : g.k, g.ldb, g.stride_b, g.batches, batched)))
        return CUBLAS_STATUS_EXECUTION_FAILED;
    if (!check_operand(function, "C", g.c, g.m, g.n, g.ldc, g.stride_c, g.batches, batched)) return CUBLAS_STATUS_EXECUTION_FAILED;
    std::string why;
    if (state.workspace_bytes != 0 && !mockgpu::check_range(state.workspace, state.workspace_bytes, &why))
    {
        mockgpu::fault(CUDA_ERROR_ILLEGAL_ADDRESS, std::string(function) + ": the workspace given to cublasSetWorkspace (" +
                                                       std::to_string(state.workspace_bytes) + " bytes) is no longer device memory: " + why);
        return CUBLAS_STATUS_EXECUTION_FAILED;
    }

    const InputRounding rounding = rounding_of(state.math_mode);
    auto work = [g, rounding]() {
        for (int i = 0; i < g.batches; i++)
        {
            Operand a{reinterpret_cast<const float*>(g.a) + i * g.stride_a, g.lda, g.transa != CUBLAS_OP_N};
            Operand b{reinterpret_cast<const float*>(g.b) + i * g.stride_b, g.ldb, g.transb != CUBLAS_OP_N};
            float* c = reinterpret_cast<float*>(g.c) + i * g.stride_c;
            mockblas::sgemm(g.m, g.n, g.k, g.alpha, a, b, g.beta, c, g.ldc, rounding);
        }
    };
    if (mockgpu::enqueue(state.stream, function, work) != 0) return CUBLAS_STATUS_EXECUTION_FAILED;
    return CUBLAS_STATUS_SUCCESS;
}
} // namespace

CUBLAS_MOCK_API cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m,
                                               int n, int k, const float* alpha, const float* A, int lda, const float* B, int ldb,
                                               const float* beta, float* C, int ldc)
{
    MOCKGPU_TRACE_CALL();
    Gemm g{transa, transb, m, n, k, 0.0f, reinterpret_cast<DevicePtr>(A), lda, 0, reinterpret_cast<DevicePtr>(B), ldb, 0,
           0.0f, reinterpret_cast<DevicePtr>(C), ldc, 0, 1};
    return gemm("cublasSgemm_v2", false, handle, g, alpha, beta);
}

CUBLAS_MOCK_API cublasStatus_t cublasSgemmStridedBatched(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                                                          int m, int n, int k, const float* alpha, const float* A, int lda,
                                                          long long strideA, const float* B, int ldb, long long strideB,
                                                          const float* beta, float* C, int ldc, long long strideC, int batchCount)
{
    MOCKGPU_TRACE_CALL();
    Gemm g{transa, transb, m, n, k, 0.0f, reinterpret_cast<DevicePtr>(A), lda, strideA, reinterpret_cast<DevicePtr>(B), ldb,
           strideB, 0.0f, reinterpret_cast<DevicePtr>(C), ldc, strideC, batchCount};
    return gemm("cublasSgemmStridedBatched", true, handle, g, alpha, beta);
}
