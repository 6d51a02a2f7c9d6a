// pool.cu: 2-D max and average pooling (no padding) and nearest-neighbour upsampling, forward and backward.
//
// Mirrors src/DafL/Backends/Cpu/CpuBackend.Pool.cs; contract in IBackend.Pool.cs. Images are NCHW; the kernels
// see them as `planes` = N·C independent (H, W) planes, and OH = (H − kernel)/stride + 1, OW likewise.
// Kernels:
//   max_pool2d_forward_f32      (x, y, indices, planes, h, w, oh, ow, kernel, stride)
//       y = max over each window; indices = h·W + w of the first maximum in row-major window order, as a float;
//       NaN wins (PyTorch's rule)
//   max_pool2d_backward_f32     (gy, indices, gx, planes, h, w, oh, ow)
//       gx = 0, then gy[j] added to gx[indices[j]] for j in row-major output order
//   avg_pool2d_forward_f32      (x, y, planes, h, w, oh, ow, kernel, stride)
//   avg_pool2d_backward_f32     (gy, gx, planes, h, w, oh, ow, kernel, stride)
//   upsample_nearest_forward_f32  (x, y, planes, h, w, scale)    y[p, oy, ox] = x[p, oy / scale, ox / scale]
//   upsample_nearest_backward_f32 (gy, gx, planes, h, w, scale)  gx = Σ of gy over each scale×scale block
// (h, w are the input plane's sizes; upsampling's output is (h·scale, w·scale).)
//
// Every kernel writes each output element from one thread, in the CPU's order of additions, so the results
// equal the CPU's bit for bit (the global average pool sums in float64 and may differ in the last bit):
//   - the forwards and the upsample backward gather one output element per thread;
//   - avg_pool2d_backward_f32 gathers one input element per thread over the windows that cover it, in
//     row-major window order, which is the order in which the CPU's scatter adds into that element;
//   - max_pool2d_backward_f32 does not get kernel and stride (IBackend.MaxPool2dBackward has only the
//     tensors), so it cannot find the windows covering an input element; it gives each plane to one thread,
//     which clears the plane and scatters in output order like the CPU. No atomics, deterministic; its
//     parallelism is N·C threads, ample for a training batch (e.g. 512·6 planes for LeNet-5's first pool).
//
// Launch: grid-stride loops everywhere, so any 1-D block and any 1-D grid work; 256 threads and
// ceil(work / 256) blocks, where work = output elements (forwards, upsample backward), input elements
// (avg_pool2d_backward_f32) or planes (max_pool2d_backward_f32). No shared memory.

#include "common.cuh"

// shapes: x (planes, h, w) → y, indices (planes, oh, ow)
extern "C" __global__ void max_pool2d_forward_f32(const float* x, float* y, float* indices, long long planes, int h, int w, int oh, int ow, int kernel, int stride)
{
    long long out_plane = (long long)oh * ow;
    for (long long o = thread_index(); o < planes * out_plane; o += grid_stride())
    {
        long long p = o / out_plane;
        int oy = (int)(o % out_plane) / ow, ox = (int)(o % out_plane) % ow;
        const float* src = x + p * h * w;
        int best = oy * stride * w + ox * stride;
        float max = src[best];
        for (int ky = 0; ky < kernel; ky++)
        {
            int row = (oy * stride + ky) * w + ox * stride;
            for (int kx = 0; kx < kernel; kx++)
            {
                float v = src[row + kx];
                if (v > max || v != v)
                {
                    max = v;
                    best = row + kx;
                }
            }
        }
        y[o] = max;
        indices[o] = (float)best;
    }
}

// shapes: gy, indices (planes, oh, ow) → gx (planes, h, w)
extern "C" __global__ void max_pool2d_backward_f32(const float* gy, const float* indices, float* gx, long long planes, int h, int w, int oh, int ow)
{
    long long in_plane = (long long)h * w, out_plane = (long long)oh * ow;
    for (long long p = thread_index(); p < planes; p += grid_stride())
    {
        float* dst = gx + p * in_plane;
        const float* g = gy + p * out_plane;
        const float* idx = indices + p * out_plane;
        for (long long i = 0; i < in_plane; i++) dst[i] = 0.0f;
        for (long long j = 0; j < out_plane; j++) dst[(long long)idx[j]] += g[j];
    }
}

// shapes: x (planes, h, w) → y (planes, oh, ow)
// A window covering the whole plane (ResNet's head) sums in float64 and divides, like the CPU's global case (which
// adds in another order: the two agree to about an ulp, not bit for bit); any other window sums in float in
// row-major order and multiplies by 1/kernel², exactly like the CPU's loops.
extern "C" __global__ void avg_pool2d_forward_f32(const float* x, float* y, long long planes, int h, int w, int oh, int ow, int kernel, int stride)
{
    long long out_plane = (long long)oh * ow;
    bool global = kernel == h && kernel == w;
    float inv = 1.0f / (float)(kernel * kernel);
    for (long long o = thread_index(); o < planes * out_plane; o += grid_stride())
    {
        long long p = o / out_plane;
        int oy = (int)(o % out_plane) / ow, ox = (int)(o % out_plane) % ow;
        const float* src = x + p * h * w;
        if (global)
        {
            double s = 0.0;
            for (int i = 0; i < h * w; i++) s += src[i];
            y[o] = (float)(s / (h * w));
            continue;
        }
        float s = 0.0f;
        for (int ky = 0; ky < kernel; ky++)
        {
            const float* row = src + (oy * stride + ky) * w + ox * stride;
            for (int kx = 0; kx < kernel; kx++) s += row[kx];
        }
        y[o] = s * inv;
    }
}

// shapes: gy (planes, oh, ow) → gx (planes, h, w)
// Input (iy, ix) lies in windows oy with oy·stride ≤ iy < oy·stride + kernel, i.e.
// oy ∈ [ceil((iy − kernel + 1) / stride), iy / stride] ∩ [0, oh), and likewise for ox.
extern "C" __global__ void avg_pool2d_backward_f32(const float* gy, float* gx, long long planes, int h, int w, int oh, int ow, int kernel, int stride)
{
    long long in_plane = (long long)h * w, out_plane = (long long)oh * ow;
    bool global = kernel == h && kernel == w;
    float inv = 1.0f / (float)(kernel * kernel);
    for (long long i = thread_index(); i < planes * in_plane; i += grid_stride())
    {
        long long p = i / in_plane;
        int iy = (int)(i % in_plane) / w, ix = (int)(i % in_plane) % w;
        const float* g = gy + p * out_plane;
        if (global)
        {
            gx[i] = g[0] * inv;
            continue;
        }
        int oy_first = iy < kernel ? 0 : (iy - kernel) / stride + 1, oy_last = min(iy / stride, oh - 1);
        int ox_first = ix < kernel ? 0 : (ix - kernel) / stride + 1, ox_last = min(ix / stride, ow - 1);
        float s = 0.0f;
        for (int oy = oy_first; oy <= oy_last; oy++)
            for (int ox = ox_first; ox <= ox_last; ox++) s += g[oy * ow + ox] * inv;
        gx[i] = s;
    }
}

// shapes: x (planes, h, w) → y (planes, h·scale, w·scale)
extern "C" __global__ void upsample_nearest_forward_f32(const float* x, float* y, long long planes, int h, int w, int scale)
{
    int ow = w * scale;
    long long out_plane = (long long)h * scale * ow;
    for (long long o = thread_index(); o < planes * out_plane; o += grid_stride())
    {
        long long p = o / out_plane;
        int oy = (int)(o % out_plane) / ow, ox = (int)(o % out_plane) % ow;
        y[o] = x[p * h * w + (long long)(oy / scale) * w + ox / scale];
    }
}

// shapes: gy (planes, h·scale, w·scale) → gx (planes, h, w)
extern "C" __global__ void upsample_nearest_backward_f32(const float* gy, float* gx, long long planes, int h, int w, int scale)
{
    int ow = w * scale;
    long long in_plane = (long long)h * w, out_plane = in_plane * scale * scale;
    for (long long i = thread_index(); i < planes * in_plane; i += grid_stride())
    {
        long long p = i / in_plane;
        int iy = (int)(i % in_plane) / w, ix = (int)(i % in_plane) % w;
        const float* block = gy + p * out_plane + (long long)iy * scale * ow + (long long)ix * scale;
        // The CPU's order: each column of the window down its rows, then the column sums left to right.
        float s = 0.0f;
        for (int k = 0; k < scale; k++)
        {
            float column = 0.0f;
            for (int r = 0; r < scale; r++) column += block[(long long)r * ow + k];
            s += column;
        }
        gx[i] = s;
    }
}
