// convolution.cpp: the geometry of a 2-d convolution, its arithmetic in the three directions, and the calls
// cudnnConvolutionForward, cudnnConvolutionBackwardData, cudnnConvolutionBackwardFilter, cudnnConvolutionBackwardBias.
//
// Arithmetic: NCHW float, products and sums in double (a float·float product is exact in double), one rounding to
// float per output element, in a fixed order: deterministic, and more precise than any GPU algorithm, so a host
// result that differs from the CPU backend's by more than float rounding is the host's doing. Each image's input
// planes are first copied into zero-padded double planes, so the inner loops run along rows without bounds checks
// and with several independent sums in flight. Everything runs on the stream's worker thread, single-threaded: the
// driver catches a device-memory fault only on that thread, and runs one operation at a time anyway.
#include "cudnn_mock.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace cudnn_mock
{
namespace
{
// The filter taps of (k, ci) as the forward correlation applies them, taps[r·S + s] for window row r, column s:
// CUDNN_CONVOLUTION mirrors the filter, CROSS_CORRELATION does not (cuDNN Developer Guide, "Convolution Formulas";
// cudnnConvolutionMode_t).
void correlation_taps(const ConvolutionGeometry& g, const float* filter, double* taps)
{
    const int count = g.r * g.s;
    for (int i = 0; i < count; ++i) taps[i] = filter[g.flip ? count - 1 - i : i];
}

// Copies image n's channels of x into zero-padded double planes of (h + 2·pad_h) × (w + 2·pad_w), so that the
// loops below need no bounds checks.
void pad_image(const ConvolutionGeometry& g, const float* x, int n, std::vector<double>& out)
{
    const int rows = g.h + 2 * g.pad_h, cols = g.w + 2 * g.pad_w;
    out.assign((size_t)g.c * rows * cols, 0.0);
    for (int c = 0; c < g.c; ++c)
        for (int i = 0; i < g.h; ++i)
        {
            const float* in = x + (((size_t)n * g.c + c) * g.h + i) * g.w;
            double* o = out.data() + ((size_t)c * rows + i + g.pad_h) * cols + g.pad_w;
            for (int j = 0; j < g.w; ++j) o[j] = in[j];
        }
}

// out[o] += Σ over window rows r and columns s of taps[r·cols + s] · in[r·row_step + o·stride + s·dilation], for
// the `count` outputs of one row. Each window's sum is formed first, then added; four outputs go at once, so that
// four running sums overlap instead of one long chain of dependent additions.
void correlate_row(const double* in, int row_step, int rows, const double* taps, int cols, int dilation, int stride,
                   double* out, int count)
{
    int o = 0;
    for (; o + 4 <= count; o += 4)
    {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int r = 0; r < rows; ++r)
        {
            const double* line = in + (size_t)r * row_step + (size_t)o * stride;
            const double* t = taps + (size_t)r * cols;
            for (int s = 0; s < cols; ++s)
            {
                const double* p = line + (size_t)s * dilation;
                s0 += t[s] * p[0];
                s1 += t[s] * p[stride];
                s2 += t[s] * p[2 * stride];
                s3 += t[s] * p[3 * stride];
            }
        }
        out[o] += s0;
        out[o + 1] += s1;
        out[o + 2] += s2;
        out[o + 3] += s3;
    }
    for (; o < count; ++o)
    {
        double sum = 0;
        for (int r = 0; r < rows; ++r)
        {
            const double* line = in + (size_t)r * row_step + (size_t)o * stride;
            const double* t = taps + (size_t)r * cols;
            for (int s = 0; s < cols; ++s) sum += t[s] * line[(size_t)s * dilation];
        }
        out[o] += sum;
    }
}

// Σ a[i]·b[i·stride] for i < count, in four running sums so the loop is not one long dependency chain.
double dot(const float* a, const double* b, int stride, int count)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int i = 0;
    for (; i + 4 <= count; i += 4)
    {
        s0 += a[i] * b[(size_t)i * stride];
        s1 += a[i + 1] * b[(size_t)(i + 1) * stride];
        s2 += a[i + 2] * b[(size_t)(i + 2) * stride];
        s3 += a[i + 3] * b[(size_t)(i + 3) * stride];
    }
    for (; i < count; ++i) s0 += a[i] * b[(size_t)i * stride];
    return (s0 + s1) + (s2 + s3);
}

// y[n][k][oh][ow] = Σ over k's group's channels ci and taps (r, s) of taps · x_padded[oh·stride + r·dilation]
// [ow·stride + s·dilation]: each image's channels are padded once, then each output plane is correlated row by row.
void forward(const ConvolutionGeometry& g, const float* x, const float* w, float* y, double alpha, double beta)
{
    const int cg = g.c / g.groups, kg = g.k / g.groups, taps = g.r * g.s;
    const int rows = g.h + 2 * g.pad_h, cols = g.w + 2 * g.pad_w;
    const size_t padded_plane = (size_t)rows * cols, out_plane = (size_t)g.ho * g.wo;
    std::vector<double> padded, acc(out_plane), tap(taps);
    for (int n = 0; n < g.n; ++n)
    {
        pad_image(g, x, n, padded);
        for (int k = 0; k < g.k; ++k)
        {
            std::fill(acc.begin(), acc.end(), 0.0);
            const int group = k / kg;
            for (int ci = 0; ci < cg; ++ci)
            {
                correlation_taps(g, w + ((size_t)k * cg + ci) * taps, tap.data());
                const double* plane = padded.data() + (size_t)(group * cg + ci) * padded_plane;
                for (int oh = 0; oh < g.ho; ++oh)
                    correlate_row(plane + (size_t)oh * g.stride_h * cols, g.dilation_h * cols, g.r, tap.data(), g.s,
                                  g.dilation_w, g.stride_w, acc.data() + (size_t)oh * g.wo, g.wo);
            }
            float* yp = y + ((size_t)n * g.k + k) * out_plane;
            for (size_t i = 0; i < out_plane; ++i) yp[i] = blend(alpha, acc[i], beta, yp[i]);
        }
    }
}

// dx, the forward's adjoint, as a correlation too: input (ih, iw) received dy[oh][ow]·tap(r, s) wherever
// oh·stride − pad + r·dilation = ih. Placing each dy element at (oh·stride, ow·stride) of a zero plane, shifted down
// and right by (filter size − 1)·dilation − pad, turns that into a stride-1 correlation with the mirrored taps.
void backward_data(const ConvolutionGeometry& g, const float* w, const float* dy, float* dx, double alpha, double beta)
{
    const int cg = g.c / g.groups, kg = g.k / g.groups, taps = g.r * g.s;
    const int top = (g.r - 1) * g.dilation_h - g.pad_h, left = (g.s - 1) * g.dilation_w - g.pad_w;
    const int rows = g.h + (g.r - 1) * g.dilation_h, cols = g.w + (g.s - 1) * g.dilation_w;
    const size_t in_plane = (size_t)g.h * g.w, padded_plane = (size_t)rows * cols;
    std::vector<double> padded, acc(in_plane), tap(taps), mirrored(taps);
    for (int n = 0; n < g.n; ++n)
    {
        // A dy element that lands outside the plane fed only padding positions of x: it has no input to reach.
        padded.assign((size_t)g.k * padded_plane, 0.0);
        for (int k = 0; k < g.k; ++k)
            for (int oh = 0; oh < g.ho; ++oh)
            {
                const int row = oh * g.stride_h + top;
                if (row < 0 || row >= rows) continue;
                const float* in = dy + (((size_t)n * g.k + k) * g.ho + oh) * g.wo;
                double* out = padded.data() + (size_t)k * padded_plane + (size_t)row * cols;
                for (int ow = 0; ow < g.wo; ++ow)
                {
                    const int col = ow * g.stride_w + left;
                    if (col >= 0 && col < cols) out[col] = in[ow];
                }
            }
        for (int c = 0; c < g.c; ++c)
        {
            std::fill(acc.begin(), acc.end(), 0.0);
            const int group = c / cg, ci = c % cg;
            for (int kk = 0; kk < kg; ++kk)
            {
                const int k = group * kg + kk;
                correlation_taps(g, w + ((size_t)k * cg + ci) * taps, tap.data());
                std::reverse_copy(tap.begin(), tap.end(), mirrored.begin());
                const double* plane = padded.data() + (size_t)k * padded_plane;
                for (int ih = 0; ih < g.h; ++ih)
                    correlate_row(plane + (size_t)ih * cols, g.dilation_h * cols, g.r, mirrored.data(), g.s, g.dilation_w, 1,
                                  acc.data() + (size_t)ih * g.w, g.w);
            }
            float* dxp = dx + ((size_t)n * g.c + c) * in_plane;
            for (size_t i = 0; i < in_plane; ++i) dxp[i] = blend(alpha, acc[i], beta, dxp[i]);
        }
    }
}

// dw[k][ci][tap] = Σ over images, then output rows, of dy row · the padded input row that tap read; the gradient of
// the stored filter element goes where correlation_taps took it from.
void backward_filter(const ConvolutionGeometry& g, const float* x, const float* dy, float* dw, double alpha, double beta)
{
    const int cg = g.c / g.groups, kg = g.k / g.groups, taps = g.r * g.s;
    const int rows = g.h + 2 * g.pad_h, cols = g.w + 2 * g.pad_w;
    const size_t padded_plane = (size_t)rows * cols, out_plane = (size_t)g.ho * g.wo;
    std::vector<double> padded, acc(g.w_elements(), 0.0);
    for (int n = 0; n < g.n; ++n)
    {
        pad_image(g, x, n, padded);
        for (int k = 0; k < g.k; ++k)
        {
            const int group = k / kg;
            const float* dyp = dy + ((size_t)n * g.k + k) * out_plane;
            for (int ci = 0; ci < cg; ++ci)
            {
                const double* plane = padded.data() + (size_t)(group * cg + ci) * padded_plane;
                double* gradient = acc.data() + ((size_t)k * cg + ci) * taps;
                for (int r = 0; r < g.r; ++r)
                    for (int s = 0; s < g.s; ++s)
                    {
                        const double* origin = plane + (size_t)r * g.dilation_h * cols + (size_t)s * g.dilation_w;
                        double sum = 0;
                        for (int oh = 0; oh < g.ho; ++oh)
                            sum += dot(dyp + (size_t)oh * g.wo, origin + (size_t)oh * g.stride_h * cols, g.stride_w, g.wo);
                        const int i = r * g.s + s;
                        gradient[g.flip ? taps - 1 - i : i] += sum;
                    }
            }
        }
    }
    for (size_t i = 0; i < acc.size(); ++i) dw[i] = blend(alpha, acc[i], beta, dw[i]);
}

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

void convolve(Direction direction, const ConvolutionGeometry& g, const float* a, const float* b, float* out, double alpha,
              double beta)
{
    switch (direction)
    {
    case Direction::forward: forward(g, a, b, out, alpha, beta); break;
    case Direction::backward_data: backward_data(g, a, b, out, alpha, beta); break;
    case Direction::backward_filter: backward_filter(g, a, b, out, alpha, beta); break;
    }
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

// The three directions' calls share one C signature with the descriptors in the API's argument order (first, second
// in, result out; see algorithms.cpp), so one definition makes each; X, W and Y say which arguments are x, w and y.
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

MOCK_CONVOLUTION_CALL(Forward, forward, cudnnTensorDescriptor_t, cudnnFilterDescriptor_t, cudnnTensorDescriptor_t,
                      firstDesc, secondDesc, resultDesc)
MOCK_CONVOLUTION_CALL(BackwardData, backward_data, cudnnFilterDescriptor_t, cudnnTensorDescriptor_t, cudnnTensorDescriptor_t,
                      resultDesc, firstDesc, secondDesc)
MOCK_CONVOLUTION_CALL(BackwardFilter, backward_filter, cudnnTensorDescriptor_t, cudnnTensorDescriptor_t, cudnnFilterDescriptor_t,
                      firstDesc, resultDesc, secondDesc)

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
