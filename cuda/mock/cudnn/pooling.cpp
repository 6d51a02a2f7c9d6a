// pooling.cpp: 2-d pooling, cudnnPoolingForward and cudnnPoolingBackward, NCHW float, one (n, c) plane at a time.
//
// Modes (cudnnPoolingMode_t): MAX and MAX_DETERMINISTIC take the window's maximum, padding excluded (the same
// arithmetic; the deterministic one differs on a GPU only in how the backward adds overlapping windows, which the
// mock does in a fixed order anyway); AVERAGE_COUNT_INCLUDE_PADDING divides the window's sum by the whole window
// area, AVERAGE_COUNT_EXCLUDE_PADDING by the number of its elements inside the input.
//
// Max ties: the API reference does not say which of several equal maxima receives the gradient. cuDNN gives it to
// one of them, not to each (Theano issues #5248 and #5404 compare its behaviour with theirs); the mock gives it
// to the first in row-major window order, the element the C# CPU backend (CpuBackend.Pool.cs) and PyTorch pick, so
// both backends agree bit for bit. The backward finds that element again from x alone: y is checked but not read,
// so a forward run with alpha ≠ 1 or beta ≠ 0 still routes the gradient to the maximum.
//
// NaN (cudnnNanPropagation_t, maxpoolingNanOpt): CUDNN_PROPAGATE_NAN makes a window holding a NaN pool to NaN (its
// first NaN is the maximum); CUDNN_NOT_PROPAGATE_NAN skips NaN elements (a window of NaN only pools to −∞ and
// passes no gradient).
#include "cudnn_mock.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace cudnn_mock
{
namespace
{
enum : int
{
    CUDNN_POOLING_MAX = 0,
    CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING = 1,
    CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING = 2,
    CUDNN_POOLING_MAX_DETERMINISTIC = 3,
};
constexpr int CUDNN_PROPAGATE_NAN = 1;

// A pooling, validated: planes of h × w in, ho × wo out.
struct Pooling
{
    int mode;
    bool propagate_nan;
    int window_h, window_w, pad_h, pad_w, stride_h, stride_w;
    int planes, h, w, ho, wo;
    bool max() const { return mode == CUDNN_POOLING_MAX || mode == CUDNN_POOLING_MAX_DETERMINISTIC; }
};

// The part of output (oh, ow)'s window that lies inside the input.
struct Window
{
    int h_begin, h_end, w_begin, w_end;
};

Window window(const Pooling& p, int oh, int ow)
{
    const int h0 = oh * p.stride_h - p.pad_h, w0 = ow * p.stride_w - p.pad_w;
    return {std::max(h0, 0), std::min(h0 + p.window_h, p.h), std::max(w0, 0), std::min(w0 + p.window_w, p.w)};
}

// The index in the plane of the window's maximum under the NaN rule (see the file comment), or −1 for none.
long argmax(const Pooling& p, const float* plane, const Window& win)
{
    long best = -1;
    float value = 0;
    for (int ih = win.h_begin; ih < win.h_end; ++ih)
        for (int iw = win.w_begin; iw < win.w_end; ++iw)
        {
            const long i = (long)ih * p.w + iw;
            const float v = plane[i];
            if (std::isnan(v))
            {
                if (p.propagate_nan) return i;
                continue;
            }
            if (best < 0 || v > value)
            {
                best = i;
                value = v;
            }
        }
    return best;
}

// The divisor of an average window.
double divisor(const Pooling& p, const Window& win)
{
    if (p.mode == CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING) return (double)p.window_h * p.window_w;
    return (double)(win.h_end - win.h_begin) * (win.w_end - win.w_begin);
}

void forward(const Pooling& p, const float* x, float* y, double alpha, double beta)
{
    const size_t in_plane = (size_t)p.h * p.w, out_plane = (size_t)p.ho * p.wo;
    for (int plane = 0; plane < p.planes; ++plane)
    {
        const float* in = x + plane * in_plane;
        float* out = y + plane * out_plane;
        for (int oh = 0; oh < p.ho; ++oh)
            for (int ow = 0; ow < p.wo; ++ow)
            {
                const Window win = window(p, oh, ow);
                double value;
                if (p.max())
                {
                    const long i = argmax(p, in, win);
                    value = i < 0 ? -std::numeric_limits<double>::infinity() : in[i];
                }
                else
                {
                    double sum = 0;
                    for (int ih = win.h_begin; ih < win.h_end; ++ih)
                        for (int iw = win.w_begin; iw < win.w_end; ++iw) sum += in[(size_t)ih * p.w + iw];
                    value = sum / divisor(p, win);
                }
                float& o = out[(size_t)oh * p.wo + ow];
                o = blend(alpha, value, beta, o);
            }
    }
}

void backward(const Pooling& p, const float* dy, const float* x, float* dx, double alpha, double beta)
{
    const size_t in_plane = (size_t)p.h * p.w, out_plane = (size_t)p.ho * p.wo;
    std::vector<double> acc(in_plane);
    for (int plane = 0; plane < p.planes; ++plane)
    {
        std::fill(acc.begin(), acc.end(), 0.0);
        const float* in = x + plane * in_plane;
        const float* gradient = dy + plane * out_plane;
        for (int oh = 0; oh < p.ho; ++oh)
            for (int ow = 0; ow < p.wo; ++ow)
            {
                const Window win = window(p, oh, ow);
                const double g = gradient[(size_t)oh * p.wo + ow];
                if (p.max())
                {
                    const long i = argmax(p, in, win);
                    if (i >= 0) acc[i] += g;
                    continue;
                }
                const double share = g / divisor(p, win);
                for (int ih = win.h_begin; ih < win.h_end; ++ih)
                    for (int iw = win.w_begin; iw < win.w_end; ++iw) acc[(size_t)ih * p.w + iw] += share;
            }
        float* out = dx + plane * in_plane;
        for (size_t i = 0; i < in_plane; ++i) out[i] = blend(alpha, acc[i], beta, out[i]);
    }
}

// The descriptors of the input side (x) and output side (y) of a pooling: float NCHW, the same images and
// channels, y's size cudnnGetPooling2dForwardOutputDim's: outputDim = 1 + (inputDim + 2·padding − windowDim) /
// poolingStride (API reference). BAD_PARAM for a mismatch (cudnnPoolingForward: "the dimensions n, c of the input
// tensor and output tensors differ"; the mock holds h and w to the formula as well).
int pooling_shape(const char* function, const cudnnPoolingStruct* pooling, const char* x_name, const cudnnTensorStruct* x,
                  const char* y_name, const cudnnTensorStruct* y, Pooling* out)
{
    if (int status = require_pooling(function, "poolingDesc", pooling)) return status;
    if (int status = require_tensor(function, x_name, x)) return status;
    if (int status = require_tensor(function, y_name, y)) return status;
    if (int status = require_float_nchw(function, x_name, *x)) return status;
    if (int status = require_float_nchw(function, y_name, *y)) return status;
    const cudnnPoolingStruct& d = *pooling;
    // With padding below the window every window holds an input element; from there on one could lie in the
    // padding alone, with no maximum and a zero divisor.
    if (d.pad_h >= d.window_h || d.pad_w >= d.window_w)
        return fail(CUDNN_STATUS_NOT_SUPPORTED, function,
                    text("padding (%d, %d) is not smaller than the window (%d, %d): a window could hold padding only",
                         d.pad_h, d.pad_w, d.window_h, d.window_w));
    if (x->h + 2 * d.pad_h < d.window_h || x->w + 2 * d.pad_w < d.window_w)
        return fail(CUDNN_STATUS_BAD_PARAM, function,
                    text("the window (%d, %d) is larger than %s's padded input (%d, %d)", d.window_h, d.window_w, x_name,
                         x->h + 2 * d.pad_h, x->w + 2 * d.pad_w));
    const int ho = 1 + (x->h + 2 * d.pad_h - d.window_h) / d.stride_h;
    const int wo = 1 + (x->w + 2 * d.pad_w - d.window_w) / d.stride_w;
    if (y->n != x->n || y->c != x->c || y->h != ho || y->w != wo)
        return fail(CUDNN_STATUS_BAD_PARAM, function,
                    text("%s is %s but %s %s with window (%d, %d), padding (%d, %d), stride (%d, %d) gives (%d, %d, %d, %d)",
                         y_name, dims(*y).c_str(), x_name, dims(*x).c_str(), d.window_h, d.window_w, d.pad_h, d.pad_w,
                         d.stride_h, d.stride_w, x->n, x->c, ho, wo));
    *out = {d.mode, d.nan_propagation == CUDNN_PROPAGATE_NAN, d.window_h, d.window_w, d.pad_h, d.pad_w, d.stride_h,
            d.stride_w, x->n * x->c, x->h, x->w, ho, wo};
    return CUDNN_STATUS_SUCCESS;
}
} // namespace
} // namespace cudnn_mock

using namespace cudnn_mock;

// y = alpha·pool(x) + beta·y.
CUDNN_MOCK_API cudnnStatus_t cudnnPoolingForward(cudnnHandle_t handle, cudnnPoolingDescriptor_t poolingDesc, const float* alpha,
                                                 cudnnTensorDescriptor_t xDesc, const void* x, const float* beta,
                                                 cudnnTensorDescriptor_t yDesc, void* y)
{
    MOCKGPU_TRACE_CALL();
    const char* function = "cudnnPoolingForward";
    if (int status = require_handle(function, handle)) return status;
    if (int status = require_pointers(function, {{"alpha", alpha}, {"beta", beta}})) return status;
    Pooling p{};
    if (int status = pooling_shape(function, poolingDesc, "xDesc", xDesc, "yDesc", yDesc, &p)) return status;
    if (int status = require_device_data(function, "x", x, element_count(*xDesc) * sizeof(float))) return status;
    if (int status = require_device_data(function, "y", y, element_count(*yDesc) * sizeof(float))) return status;
    const double a = *alpha, b = *beta;
    auto in = static_cast<const float*>(x);
    auto out = static_cast<float*>(y);
    return submit(function, handle, [=] { forward(p, in, out, a, b); });
}

// dx = alpha·(the pooling's gradient applied to dy) + beta·dx; y and dy share yDesc's shape, x and dx xDesc's.
CUDNN_MOCK_API cudnnStatus_t cudnnPoolingBackward(cudnnHandle_t handle, cudnnPoolingDescriptor_t poolingDesc, const float* alpha,
                                                  cudnnTensorDescriptor_t yDesc, const void* y, cudnnTensorDescriptor_t dyDesc,
                                                  const void* dy, cudnnTensorDescriptor_t xDesc, const void* x,
                                                  const float* beta, cudnnTensorDescriptor_t dxDesc, void* dx)
{
    MOCKGPU_TRACE_CALL();
    const char* function = "cudnnPoolingBackward";
    if (int status = require_handle(function, handle)) return status;
    if (int status = require_pointers(function, {{"alpha", alpha}, {"beta", beta}})) return status;
    Pooling p{};
    if (int status = pooling_shape(function, poolingDesc, "xDesc", xDesc, "yDesc", yDesc, &p)) return status;
    if (int status = require_tensor(function, "dyDesc", dyDesc)) return status;
    if (int status = require_tensor(function, "dxDesc", dxDesc)) return status;
    if (int status = require_float_nchw(function, "dyDesc", *dyDesc)) return status;
    if (int status = require_float_nchw(function, "dxDesc", *dxDesc)) return status;
    if (int status = require_same_dims(function, "yDesc", *yDesc, "dyDesc", *dyDesc)) return status;
    if (int status = require_same_dims(function, "xDesc", *xDesc, "dxDesc", *dxDesc)) return status;
    if (int status = require_device_data(function, "y", y, element_count(*yDesc) * sizeof(float))) return status;
    if (int status = require_device_data(function, "dy", dy, element_count(*dyDesc) * sizeof(float))) return status;
    if (int status = require_device_data(function, "x", x, element_count(*xDesc) * sizeof(float))) return status;
    if (int status = require_device_data(function, "dx", dx, element_count(*dxDesc) * sizeof(float))) return status;
    const double a = *alpha, b = *beta;
    auto gradient = static_cast<const float*>(dy), in = static_cast<const float*>(x);
    auto out = static_cast<float*>(dx);
    return submit(function, handle, [=] { backward(p, gradient, in, out, a, b); });
}
