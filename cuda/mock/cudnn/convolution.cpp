// convolution.cpp: the geometry of a 2-d convolution, TF32 rounding, and the calls cudnnConvolutionForward,
// cudnnConvolutionBackwardData, cudnnConvolutionBackwardFilter, cudnnConvolutionBackwardBias; the arithmetic of the
// three directions is in convolution_arithmetic.cpp.
#include "cudnn_mock.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace cudnn_mock
{
namespace
{
// A direction's operands in the API's argument order: the two inputs, then the output.
struct Operands
{
    const char* names[3];
    size_t elements[3];
};

Operands operands(Direction direction, const ConvolutionGeometry& g)
{
    switch (direction)
    {
    case Direction::forward: return {{"x", "w", "y"}, {g.x_elements(), g.w_elements(), g.y_elements()}};
    case Direction::backward_data: return {{"w", "dy", "dx"}, {g.w_elements(), g.y_elements(), g.x_elements()}};
    case Direction::backward_filter: return {{"x", "dy", "dw"}, {g.x_elements(), g.y_elements(), g.w_elements()}};
    }
    return {};
}

// TF32 keeps float's 8 exponent bits and the top 10 of its 23 mantissa bits. Rounding is to nearest with ties away
// from zero, as the PTX conversion cvt.rna.tf32.f32 does; NaN and infinity pass unchanged.
float round_to_tf32(float value)
{
    unsigned bits;
    std::memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7f800000u) == 0x7f800000u) return value;
    bits = (bits + 0x1000u) & 0xffffe000u;
    std::memcpy(&value, &bits, sizeof bits);
    return value;
}

std::vector<float> rounded_to_tf32(const float* data, size_t count)
{
    std::vector<float> out(count);
    for (size_t i = 0; i < count; ++i) out[i] = round_to_tf32(data[i]);
    return out;
}


const char* const tensor_names[3][3] = {
    {"xDesc", "wDesc", "yDesc"},    // forward
    {"dxDesc", "wDesc", "dyDesc"},  // backward data
    {"xDesc", "dwDesc", "dyDesc"},  // backward filter
};

// The checks and the queueing that the three convolution calls share, after the geometry is known.
int launch(const char* function, Direction direction, cudnnContext* handle, const ConvolutionGeometry& g,
           const float* alpha, const void* a, const void* b, int algorithm, void* workspace, size_t workspace_size,
           const float* beta, void* out)
{
    if (int status = require_pointers(function, {{"alpha", alpha}, {"beta", beta}})) return status;
    if (int status = require_algorithm(function, handle, direction, algorithm, g)) return status;
    // The workspace query gives the least an algorithm needs; less, or none where some is needed, is refused.
    const size_t need = workspace_bytes(direction, algorithm, g);
    if (workspace_size < need)
        return fail(CUDNN_STATUS_BAD_PARAM, function,
                    text("workSpaceSizeInBytes %zu is less than the %zu bytes %s needs for this problem (the "
                         "workspace size query's answer)",
                         workspace_size, need, algorithm_name(direction, algorithm)));
    if (need > 0 && workspace == nullptr)
        return fail(CUDNN_STATUS_BAD_PARAM, function,
                    text("workSpace is NULL but %s needs %zu bytes", algorithm_name(direction, algorithm), need));
    if (int status = require_convolution_operands(function, direction, g, a, b, out)) return status;
    if (need > 0)
        if (int status = require_device_range(function, "workSpace", workspace, need)) return status;
    const float alpha_value = *alpha, beta_value = *beta;
    auto in_a = static_cast<const float*>(a), in_b = static_cast<const float*>(b);
    auto result = static_cast<float*>(out);
    return submit(function, handle, [=] {
        run_algorithm(direction, algorithm, g, in_a, in_b, result, alpha_value, beta_value, workspace);
    });
}
} // namespace

int convolution_geometry(const char* function, Direction direction, const cudnnTensorStruct* x,
                         const cudnnFilterStruct* w, const cudnnConvolutionStruct* convolution,
                         const cudnnTensorStruct* y, ConvolutionGeometry* geometry)
{
    const char* const* names = tensor_names[(int)direction];
    if (int status = require_tensor(function, names[0], x)) return status;
    if (int status = require_filter(function, names[1], w)) return status;
    if (int status = require_convolution(function, "convDesc", convolution)) return status;
    if (int status = require_tensor(function, names[2], y)) return status;
    // BAD_PARAM: x, w and y with non-matching data types (API reference, cudnnConvolutionForward).
    if (x->data_type != w->data_type || x->data_type != y->data_type)
        return fail(CUDNN_STATUS_BAD_PARAM, function,
                    text("%s, %s and %s have data types %d, %d and %d; they must match", names[0], names[1], names[2],
                         x->data_type, w->data_type, y->data_type));
    if (int status = require_float_nchw(function, names[0], *x)) return status;
    if (int status = require_float_nchw(function, names[2], *y)) return status;
    if (w->format != CUDNN_TENSOR_NCHW)
        return fail(CUDNN_STATUS_NOT_SUPPORTED, function,
                    text("%s has cudnnTensorFormat_t %d; the mock computes CUDNN_TENSOR_NCHW (0) only", names[1], w->format));
    if (convolution->compute_type != CUDNN_DATA_FLOAT)
        return fail(CUDNN_STATUS_NOT_SUPPORTED, function,
                    text("convDesc has compute type %d; float data supports CUDNN_DATA_FLOAT (0) only (TRUE_FLOAT_CONFIG)",
                         convolution->compute_type));
    // BAD_PARAM: a non-matching number of input feature maps per group, an output channel count that is not a
    // multiple of the group count, a filter larger than the padded input (API reference, cudnnConvolutionForward).
    const int groups = convolution->groups;
    if (x->c != w->c * groups)
        return fail(CUDNN_STATUS_BAD_PARAM, function,
                    text("%s has %d channels but %s has %d per group and convDesc %d group(s): %d expected", names[0],
                         x->c, names[1], w->c, groups, w->c * groups));
    if (w->k % groups != 0)
        return fail(CUDNN_STATUS_BAD_PARAM, function,
                    text("%s has %d output channels, not a multiple of convDesc's %d groups", names[1], w->k, groups));
    const int extent_h = (w->h - 1) * convolution->dilation_h + 1, extent_w = (w->w - 1) * convolution->dilation_w + 1;
    if (extent_h > x->h + 2 * convolution->pad_h || extent_w > x->w + 2 * convolution->pad_w)
        return fail(CUDNN_STATUS_BAD_PARAM, function,
                    text("the dilated filter (%d x %d) is larger than %s's padded input (%d x %d)", extent_h, extent_w,
                         names[0], x->h + 2 * convolution->pad_h, x->w + 2 * convolution->pad_w));
    // outputDim = 1 + (inputDim + 2·pad − ((filterDim − 1)·dilation + 1)) / convolutionStride (API reference,
    // cudnnGetConvolution2dForwardOutputDim); the output descriptor must be exactly that.
    const int ho = 1 + (x->h + 2 * convolution->pad_h - extent_h) / convolution->stride_h;
    const int wo = 1 + (x->w + 2 * convolution->pad_w - extent_w) / convolution->stride_w;
    if (y->n != x->n || y->c != w->k || y->h != ho || y->w != wo)
        return fail(CUDNN_STATUS_BAD_PARAM, function,
                    text("%s is %s but %s %s, %s (%d, %d, %d, %d) and convDesc (padding (%d, %d), stride (%d, %d), "
                         "dilation (%d, %d)) give (%d, %d, %d, %d), cudnnGetConvolution2dForwardOutputDim's formula",
                         names[2], dims(*y).c_str(), names[0], dims(*x).c_str(), names[1], w->k, w->c, w->h, w->w,
                         convolution->pad_h, convolution->pad_w, convolution->stride_h, convolution->stride_w,
                         convolution->dilation_h, convolution->dilation_w, x->n, w->k, ho, wo));
    // cudnnMathType_t: CUDNN_DEFAULT_MATH permits TF32 tensor-core operations on A100 and later (the mock is sm_90),
    // CUDNN_TENSOR_OP_MATH and …_ALLOW_CONVERSION permit them, CUDNN_FMA_MATH restricts to FMA kernels. Where TF32
    // is permitted every offered algorithm uses it and reports CUDNN_TENSOR_OP_MATH (…_ALLOW_CONVERSION as given).
    const int math = convolution->math_type;
    *geometry = {x->n, x->c, x->h, x->w, w->k, w->h, w->w, ho, wo, groups,
                 convolution->pad_h, convolution->pad_w, convolution->stride_h, convolution->stride_w,
                 convolution->dilation_h, convolution->dilation_w,
                 convolution->mode == CUDNN_CONVOLUTION, math != CUDNN_FMA_MATH,
                 math == CUDNN_DEFAULT_MATH ? CUDNN_TENSOR_OP_MATH : math};
    return CUDNN_STATUS_SUCCESS;
}

int begin_convolution(const char* function, Direction direction, const cudnnContext* handle, const cudnnTensorStruct* x,
                      const cudnnFilterStruct* w, const cudnnConvolutionStruct* convolution, const cudnnTensorStruct* y,
                      ConvolutionGeometry* geometry)
{
    if (int status = require_handle(function, handle)) return status;
    return convolution_geometry(function, direction, x, w, convolution, y, geometry);
}

int require_convolution_operands(const char* function, Direction direction, const ConvolutionGeometry& geometry,
                                 const void* a, const void* b, const void* out)
{
    const Operands o = operands(direction, geometry);
    const void* pointers[3] = {a, b, out};
    for (int i = 0; i < 3; ++i)
        if (int status = require_device_data(function, o.names[i], pointers[i], o.elements[i] * sizeof(float))) return status;
    return CUDNN_STATUS_SUCCESS;
}

void run_algorithm(Direction direction, int algorithm, const ConvolutionGeometry& geometry, const float* a,
                   const float* b, float* out, float alpha, float beta, void* workspace)
{
    const size_t need = workspace_bytes(direction, algorithm, geometry);
    if (need > 0) std::memset(workspace, 0xff, need); // NaN bits: whatever the host kept there is gone
    if (!geometry.tf32)
    {
        convolve(direction, geometry, a, b, out, alpha, beta);
        return;
    }
    const Operands o = operands(direction, geometry);
    const std::vector<float> ra = rounded_to_tf32(a, o.elements[0]), rb = rounded_to_tf32(b, o.elements[1]);
    convolve(direction, geometry, ra.data(), rb.data(), out, alpha, beta);
}
} // namespace cudnn_mock

using namespace cudnn_mock;

// The three directions' calls share one C signature, so one definition makes each (MOCK_CONVOLUTION_DIRECTIONS).
#define MOCK_CONVOLUTION_CALL(Word, direction, FirstDesc, SecondDesc, ResultDesc, X, W, Y)                               \
    CUDNN_MOCK_API cudnnStatus_t cudnnConvolution##Word(                                                                \
        cudnnHandle_t handle, const float* alpha, FirstDesc firstDesc, const void* first, SecondDesc secondDesc,        \
        const void* second, cudnnConvolutionDescriptor_t convDesc, int algo, void* workSpace,                           \
        size_t workSpaceSizeInBytes, const float* beta, ResultDesc resultDesc, void* result)                            \
    {                                                                                                                   \
        MOCKGPU_TRACE_CALL();                                                                                           \
        ConvolutionGeometry g{};                                                                                        \
        if (int status = begin_convolution(__func__, Direction::direction, handle, X, W, convDesc, Y, &g)) return status; \
        return launch(__func__, Direction::direction, handle, g, alpha, first, second, algo, workSpace,                 \
                      workSpaceSizeInBytes, beta, result);                                                              \
    }

MOCK_CONVOLUTION_DIRECTIONS(MOCK_CONVOLUTION_CALL)

// db = alpha·Σ over N, H, W of dy + beta·db, db described as (1, C, 1, 1): BAD_PARAM when db's n, h, w are not 1
// or its channels differ from dy's (API reference, cudnnConvolutionBackwardBias).
CUDNN_MOCK_API cudnnStatus_t cudnnConvolutionBackwardBias(cudnnHandle_t handle, const float* alpha,
                                                          cudnnTensorDescriptor_t dyDesc, const void* dy,
                                                          const float* beta, cudnnTensorDescriptor_t dbDesc, void* db)
{
    MOCKGPU_TRACE_CALL();
    const char* function = "cudnnConvolutionBackwardBias";
    if (int status = require_handle(function, handle)) return status;
    if (int status = require_pointers(function, {{"alpha", alpha}, {"beta", beta}})) return status;
    if (int status = require_tensor(function, "dyDesc", dyDesc)) return status;
    if (int status = require_tensor(function, "dbDesc", dbDesc)) return status;
    if (int status = require_float_nchw(function, "dyDesc", *dyDesc)) return status;
    if (int status = require_float_nchw(function, "dbDesc", *dbDesc)) return status;
    if (dbDesc->n != 1 || dbDesc->c != dyDesc->c || dbDesc->h != 1 || dbDesc->w != 1)
        return fail(CUDNN_STATUS_BAD_PARAM, function,
                    text("dbDesc is %s; dyDesc %s needs (1, %d, 1, 1)", dims(*dbDesc).c_str(), dims(*dyDesc).c_str(), dyDesc->c));
    if (int status = require_device_data(function, "dy", dy, element_count(*dyDesc) * sizeof(float))) return status;
    if (int status = require_device_data(function, "db", db, (size_t)dbDesc->c * sizeof(float))) return status;
    const double alpha_value = *alpha, beta_value = *beta;
    const int n = dyDesc->n, c = dyDesc->c;
    const size_t plane = (size_t)dyDesc->h * dyDesc->w;
    auto in = static_cast<const float*>(dy);
    auto out = static_cast<float*>(db);
    return submit(function, handle, [=] {
        for (int channel = 0; channel < c; ++channel)
        {
            double sum = 0;
            for (int image = 0; image < n; ++image)
            {
                const float* p = in + ((size_t)image * c + channel) * plane;
                for (size_t i = 0; i < plane; ++i) sum += p[i];
            }
            out[channel] = blend(alpha_value, sum, beta_value, out[channel]);
        }
    });
}
