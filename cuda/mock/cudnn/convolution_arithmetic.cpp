// convolution_arithmetic.cpp: what the three convolution directions compute (cudnn_mock::convolve).
//
// Arithmetic: NCHW float, products and sums in double (a float·float product is exact in double), one rounding to
// float per output element, in a fixed order: deterministic, and more precise than any GPU algorithm, so a host
// result that differs from the CPU backend's by more than float rounding is the host's doing. Each image's input
// planes are first copied into zero-padded double planes, so the inner loops run along rows without bounds checks
// and with several independent sums in flight. Everything runs on the stream's worker thread, single-threaded: the
// driver catches a device-memory fault only on that thread, and runs one operation at a time anyway.
#include "cudnn_mock.h"

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
} // namespace

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
} // namespace cudnn_mock
