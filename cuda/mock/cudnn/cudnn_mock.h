// cudnn_mock.h: the pieces the mock cuDNN (libcudnn.so.9) shares between its files.
//
// status.cpp       version, status names, the calling thread's last error message
// objects.cpp      which handles and descriptors are live, so that a destroyed one is named, not dereferenced
// handle.cpp       cudnnCreate / cudnnDestroy / cudnnSetStream, fault injection, queueing on the handle's stream
// descriptors.cpp  tensor, filter, convolution and pooling descriptors, and the checks every call makes on them
// convolution.cpp  the convolution geometry, its arithmetic in three directions, and the convolution calls
// algorithms.cpp   the algorithms offered per direction, their workspace, the Get…_v7 and Find…Ex queries
// batch_norm.cpp   cudnnDeriveBNTensorDescriptor and batch normalisation (spatial mode)
// pooling.cpp      2-d max and average pooling, forward and backward
//
// The API is cuDNN 9.6's legacy API (cudnn_graph.h, cudnn_ops.h, cudnn_cnn.h) as src/DafL.Native/Cudnn/CudnnApi.cs
// binds it. Every call checks its arguments when it is called, as cuDNN does, and records a one-line reason for
// cudnnGetLastErrorString; arithmetic is queued on the handle's stream (mockgpu::enqueue) with everything it needs
// copied into the queued work, because descriptors may be destroyed and alpha/beta go out of scope once the call
// returns. Device pointers are host addresses; every range a call will touch is checked against the live
// allocations at call time.
#pragma once

#include "../mock.h"

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <string>

#define CUDNN_MOCK_API extern "C" __attribute__((visibility("default")))

typedef int cudnnStatus_t;

// Statuses the mock returns (cuDNN 9.6 cudnn_graph.h; cuDNN 9 renumbered them: BAD_PARAM was 3 in cuDNN 8).
enum : int
{
    CUDNN_STATUS_SUCCESS = 0,
    CUDNN_STATUS_NOT_INITIALIZED = 1001,
    CUDNN_STATUS_BAD_PARAM = 2000,
    CUDNN_STATUS_NOT_SUPPORTED = 3000,
    CUDNN_STATUS_EXECUTION_FAILED = 5000,
};

// Enumerants of cudnn_graph.h / cudnn_ops.h / cudnn_cnn.h that the mock interprets.
enum : int
{
    CUDNN_DATA_FLOAT = 0,
    CUDNN_DATA_DOUBLE = 1,
    CUDNN_DATA_FAST_FLOAT_FOR_FP8 = 14, // the last cudnnDataType_t of cuDNN 9.6
};
enum : int
{
    CUDNN_TENSOR_NCHW = 0,
    CUDNN_TENSOR_NCHW_VECT_C = 2, // the last cudnnTensorFormat_t
};
enum : int
{
    CUDNN_CONVOLUTION = 0,
    CUDNN_CROSS_CORRELATION = 1,
};
enum : int
{
    CUDNN_DEFAULT_MATH = 0,
    CUDNN_TENSOR_OP_MATH = 1,
    CUDNN_FMA_MATH = 3, // the last cudnnMathType_t
};
enum : int
{
    CUDNN_NON_DETERMINISTIC = 0,
    CUDNN_DETERMINISTIC = 1,
};

// The objects behind cuDNN's opaque handles. The tags are cuDNN's own (cudnnHandle_t is struct cudnnContext*).
struct cudnnContext
{
    void* stream = nullptr; // CUstream; null is the legacy default stream, cuDNN's default (cudnnSetStream)
    // DAFL_MOCK_CUDNN_UNSUPPORTED, read at cudnnCreate: bit a of unsupported[d] marks algorithm a of direction d.
    unsigned unsupported[3] = {0, 0, 0};
};

struct cudnnTensorStruct
{
    bool set = false; // created but never set: unusable
    int format = 0, data_type = 0;
    int n = 0, c = 0, h = 0, w = 0;
};

struct cudnnFilterStruct
{
    bool set = false;
    int data_type = 0, format = 0;
    int k = 0, c = 0, h = 0, w = 0;
};

struct cudnnConvolutionStruct
{
    bool set = false;
    int pad_h = 0, pad_w = 0, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
    int mode = CUDNN_CROSS_CORRELATION, compute_type = CUDNN_DATA_FLOAT;
    // cudnnCreateConvolutionDescriptor's defaults: CUDNN_DEFAULT_MATH and one group (cudnn_cnn library reference,
    // cudnnSetConvolutionMathType / cudnnSetConvolutionGroupCount).
    int math_type = CUDNN_DEFAULT_MATH, groups = 1;
};

struct cudnnPoolingStruct
{
    bool set = false;
    int mode = 0, nan_propagation = 0;
    int window_h = 0, window_w = 0, pad_h = 0, pad_w = 0, stride_h = 0, stride_w = 0;
};

typedef cudnnContext* cudnnHandle_t;
typedef cudnnTensorStruct* cudnnTensorDescriptor_t;
typedef cudnnFilterStruct* cudnnFilterDescriptor_t;
typedef cudnnConvolutionStruct* cudnnConvolutionDescriptor_t;
typedef cudnnPoolingStruct* cudnnPoolingDescriptor_t;

// cudnnConvolutionFwdAlgoPerf_t, …BwdDataAlgoPerf_t, …BwdFilterAlgoPerf_t: one layout (cuDNN 9.6 cudnn_cnn.h).
struct cudnnConvolutionAlgoPerf
{
    int algo;
    int status;
    float time;
    size_t memory;
    int determinism;
    int mathType;
    int reserved[3];
};
static_assert(sizeof(cudnnConvolutionAlgoPerf) == 48, "the perf struct is 48 bytes (ConvolutionAlgorithmPerformance.cs)");

namespace cudnn_mock
{
// ---------------------------------------------------------------- status.cpp

// printf into a std::string, for messages.
std::string text(const char* format, ...) __attribute__((format(printf, 1, 2)));
// Records "<function>: <why>" as the calling thread's last error (cudnnGetLastErrorString) and returns `status`.
int fail(int status, const char* function, const std::string& why);

// ---------------------------------------------------------------- objects.cpp

enum class Kind
{
    handle,
    tensor,
    filter,
    convolution,
    pooling,
};
void track(const void* object, Kind kind);
void untrack(const void* object);
// BAD_PARAM naming `name` unless `object` is non-null and a live object of its kind. A null or invalid handle or
// descriptor is CUDNN_STATUS_BAD_PARAM throughout the API reference (cudnnDestroy, cudnnSetStream, the setters,
// and every operation's list of BAD_PARAM conditions).
int require_live(const char* function, const char* name, const void* object, Kind kind);

// ---------------------------------------------------------------- handle.cpp

// Checks that `handle` is a live handle from cudnnCreate.
int require_handle(const char* function, const cudnnContext* handle);
// Queues `work` on the handle's stream; a refusal (a dead stream, the context's sticky error) is EXECUTION_FAILED.
int submit(const char* function, const cudnnContext* handle, std::function<void()> work);
// Checks that the call may touch [address, address + bytes): on failure it is a fault, as an out-of-bounds kernel
// access is on a GPU (CUDA_ERROR_ILLEGAL_ADDRESS becomes the context's sticky error), and the call returns
// CUDNN_STATUS_EXECUTION_FAILED.
int require_device_range(const char* function, const char* name, const void* address, size_t bytes);
// A required device operand: BAD_PARAM when `address` is null (every operation lists a null data pointer as
// BAD_PARAM), then require_device_range.
int require_device_data(const char* function, const char* name, const void* address, size_t bytes);

// ---------------------------------------------------------------- descriptors.cpp

// Each checks that the descriptor is non-null, live and set; BAD_PARAM naming `name` otherwise.
int require_tensor(const char* function, const char* name, const cudnnTensorStruct* tensor);
int require_filter(const char* function, const char* name, const cudnnFilterStruct* filter);
int require_convolution(const char* function, const char* name, const cudnnConvolutionStruct* convolution);
int require_pooling(const char* function, const char* name, const cudnnPoolingStruct* pooling);
// NOT_SUPPORTED unless the tensor is float NCHW: the only layout the mock computes.
int require_float_nchw(const char* function, const char* name, const cudnnTensorStruct& tensor);
// BAD_PARAM unless the two tensors have the same dimensions.
int require_same_dims(const char* function, const char* name_a, const cudnnTensorStruct& a, const char* name_b,
                      const cudnnTensorStruct& b);
// BAD_PARAM naming the first of `pointers` that is null (alpha, beta, output pointers).
struct Named
{
    const char* name;
    const void* pointer;
};
int require_pointers(const char* function, std::initializer_list<Named> pointers);
// "(n, c, h, w)".
std::string dims(const cudnnTensorStruct& tensor);
size_t element_count(const cudnnTensorStruct& tensor);

// ---------------------------------------------------------------- convolution.cpp

// The three directions, in the order of unsupported[] and DAFL_MOCK_CUDNN_UNSUPPORTED's names.
enum class Direction
{
    forward,
    backward_data,
    backward_filter,
};
// CUDNN_CONVOLUTION_FWD_ALGO_COUNT, …BWD_DATA_ALGO_COUNT, …BWD_FILTER_ALGO_COUNT (cuDNN 9.6 cudnn_ops.h).
constexpr int algorithm_count[3] = {8, 6, 7};

// One convolution, validated: x (n, c, h, w), filter (k, c / groups, r, s), y (n, k, ho, wo), NCHW float.
struct ConvolutionGeometry
{
    int n, c, h, w, k, r, s, ho, wo, groups;
    int pad_h, pad_w, stride_h, stride_w, dilation_h, dilation_w;
    bool flip;      // CUDNN_CONVOLUTION: the filter is applied mirrored; CROSS_CORRELATION: as stored
    bool tf32;      // operands rounded to TF32 before the products (a tensor-core math type)
    int math_type;  // what the perf results report
    size_t x_elements() const { return (size_t)n * c * h * w; }
    size_t w_elements() const { return (size_t)k * (c / groups) * r * s; }
    size_t y_elements() const { return (size_t)n * k * ho * wo; }
};

// Validates one direction's descriptors, naming them as that direction's API does (xDesc / dxDesc, wDesc / dwDesc,
// yDesc / dyDesc): BAD_PARAM for a shape that does not fit, NOT_SUPPORTED for what the mock does not compute.
int convolution_geometry(const char* function, Direction direction, const cudnnTensorStruct* x,
                         const cudnnFilterStruct* w, const cudnnConvolutionStruct* convolution,
                         const cudnnTensorStruct* y, ConvolutionGeometry* geometry);
// The three convolution directions as their entry points take them: the word in their names, the Direction, and the
// descriptor types in the API's argument order, first and second in, result out (forward x, w → y, backward data
// w, dy → dx, backward filter x, dy → dw); then which of the arguments firstDesc, secondDesc, resultDesc are x, w
// and y for convolution_geometry. DEFINE(...) is called once per direction.
#define MOCK_CONVOLUTION_DIRECTIONS(DEFINE)                                                                              \
    DEFINE(Forward, forward, cudnnTensorDescriptor_t, cudnnFilterDescriptor_t, cudnnTensorDescriptor_t,                \
           firstDesc, secondDesc, resultDesc)                                                                          \
    DEFINE(BackwardData, backward_data, cudnnFilterDescriptor_t, cudnnTensorDescriptor_t, cudnnTensorDescriptor_t,     \
           resultDesc, firstDesc, secondDesc)                                                                          \
    DEFINE(BackwardFilter, backward_filter, cudnnTensorDescriptor_t, cudnnTensorDescriptor_t, cudnnFilterDescriptor_t, \
           firstDesc, resultDesc, secondDesc)

// What every convolution entry point checks first: the handle, then convolution_geometry.
int begin_convolution(const char* function, Direction direction, const cudnnContext* handle, const cudnnTensorStruct* x,
                      const cudnnFilterStruct* w, const cudnnConvolutionStruct* convolution, const cudnnTensorStruct* y,
                      ConvolutionGeometry* geometry);
// The call-time checks of a direction's two inputs and its output (in the API's argument order: forward x, w → y;
// backward data w, dy → dx; backward filter x, dy → dw): non-null, and inside live allocations.
int require_convolution_operands(const char* function, Direction direction, const ConvolutionGeometry& geometry,
                                 const void* a, const void* b, const void* out);
// out = alpha·(the direction's result from a and b) + beta·out, in double, in a fixed order (convolution_arithmetic.cpp).
void convolve(Direction direction, const ConvolutionGeometry& geometry, const float* a, const float* b, float* out,
              double alpha, double beta);
// Runs `algorithm` on the stream's worker: it overwrites the workspace it needs, as a real algorithm uses it, then
// computes out = alpha·result + beta·out from the inputs a and b (argument order as above).
void run_algorithm(Direction direction, int algorithm, const ConvolutionGeometry& geometry, const float* a,
                   const float* b, float* out, float alpha, float beta, void* workspace);

// ---------------------------------------------------------------- algorithms.cpp

// "CUDNN_CONVOLUTION_FWD_ALGO_GEMM", for messages.
const char* algorithm_name(Direction direction, int algorithm);
// BAD_PARAM for a number outside the direction's enum, NOT_SUPPORTED for an algorithm the mock does not offer,
// that cannot run this geometry, or that DAFL_MOCK_CUDNN_UNSUPPORTED refuses; SUCCESS otherwise. Records the
// reason when not SUCCESS.
int require_algorithm(const char* function, const cudnnContext* handle, Direction direction, int algorithm,
                      const ConvolutionGeometry& geometry);
// The workspace bytes an offered algorithm needs for this geometry.
size_t workspace_bytes(Direction direction, int algorithm, const ConvolutionGeometry& geometry);

// ---------------------------------------------------------------- arithmetic helpers

// alpha·value + beta·old, where old (the output's current value) is not read when beta is 0: with beta = 0 the
// output is not read and may hold uninitialised data, NaN included (cuDNN Developer Guide, "Scaling Parameters").
inline float blend(double alpha, double value, double beta, const float& old)
{
    return beta == 0 ? (float)(alpha * value) : (float)(alpha * value + beta * (double)old);
}
} // namespace cudnn_mock
