// pool_tests.cpp: the kernels of cuda/pool.cu in the emulator against reference loops that follow the C# CPU backend
// (see kernel_tests.cpp for the scheme).
#include "test_support.h"

namespace pool
{
#include "../pool.cu"
}

void pool_tests()
{
    using namespace pool;
    const long long planes = 6;
    // (h, w, kernel, stride): LeNet's 2/2, overlapping 3/2 and 3/1, stride > kernel, global
    for (auto [h, w, kernel, stride] : std::vector<std::array<int, 4>>{{8, 6, 2, 2}, {7, 9, 3, 2}, {5, 5, 3, 1}, {9, 9, 2, 3}, {4, 4, 4, 4}})
    {
        int oh = (h - kernel) / stride + 1, ow = (w - kernel) / stride + 1;
        long long in_plane = (long long)h * w, out_plane = (long long)oh * ow;
        Floats x = random_floats((size_t)(planes * in_plane), 61);
        for (size_t i = 0; i < x.size(); i += 5) x[i] = 1.0f; // ties
        x[(size_t)(in_plane + 1)] = std::nanf("");
        Floats gy = random_floats((size_t)(planes * out_plane), 62);
        std::string at = " (" + std::to_string(h) + "x" + std::to_string(w) + " k" + std::to_string(kernel) + " s" + std::to_string(stride) + ")";

        // the CPU's loops (CpuBackend.Pool.cs)
        Floats max_want((size_t)(planes * out_plane)), idx_want(max_want.size()), avg_want(max_want.size());
        Floats max_back((size_t)(planes * in_plane), 0.0f), avg_back(max_back.size(), 0.0f);
        float inv = 1.0f / (kernel * kernel);
        bool global = kernel == h && kernel == w;
        for (long long p = 0; p < planes; p++)
        {
            const float* src = x.data() + p * in_plane;
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    int best = oy * stride * w + ox * stride;
                    float max = src[best], sum = 0;
                    for (int ky = 0; ky < kernel; ky++)
                        for (int kx = 0; kx < kernel; kx++)
                        {
                            int at_ = (oy * stride + ky) * w + ox * stride + kx;
                            float v = src[at_];
                            if (v > max || v != v)
                            {
                                max = v;
                                best = at_;
                            }
                            sum += v;
                        }
                    size_t o = (size_t)(p * out_plane + oy * ow + ox);
                    max_want[o] = max;
                    idx_want[o] = (float)best;
                    if (global)
                    {
                        double s = 0;
                        for (long long i = 0; i < in_plane; i++) s += src[i];
                        avg_want[o] = (float)(s / in_plane);
                    }
                    else avg_want[o] = sum * inv;
                    max_back[(size_t)(p * in_plane + best)] += gy[o];
                    float v = gy[o] * inv;
                    for (int ky = 0; ky < kernel; ky++)
                        for (int kx = 0; kx < kernel; kx++) avg_back[(size_t)(p * in_plane + (oy * stride + ky) * w + ox * stride + kx)] += v;
                }
        }
        for (auto [grid, threads] : launch_shapes)
        {
            Floats y(max_want.size()), idx(max_want.size()), gx(max_back.size(), 9.0f);
            launch(grid, threads, max_pool2d_forward_f32, x.data(), y.data(), idx.data(), planes, h, w, oh, ow, kernel, stride);
            expect_exact(y, max_want, "max_pool2d_forward_f32 values" + at);
            expect_exact(idx, idx_want, "max_pool2d_forward_f32 indices" + at);
            launch(grid, threads, max_pool2d_backward_f32, gy.data(), idx_want.data(), gx.data(), planes, h, w, oh, ow);
            expect_exact(gx, max_back, "max_pool2d_backward_f32" + at);
            launch(grid, threads, avg_pool2d_forward_f32, x.data(), y.data(), planes, h, w, oh, ow, kernel, stride);
            expect_exact(y, avg_want, "avg_pool2d_forward_f32" + at);
            launch(grid, threads, avg_pool2d_backward_f32, gy.data(), gx.data(), planes, h, w, oh, ow, kernel, stride);
            expect_exact(gx, avg_back, "avg_pool2d_backward_f32" + at);
        }
    }
    for (int scale : {2, 3})
    {
        const int h = 5, w = 7;
        long long in_plane = h * w, out_plane = in_plane * scale * scale;
        Floats x = random_floats((size_t)(planes * in_plane), 63), gy = random_floats((size_t)(planes * out_plane), 64);
        Floats y_want((size_t)(planes * out_plane)), gx_want((size_t)(planes * in_plane));
        int ow = w * scale;
        for (long long p = 0; p < planes; p++)
            for (int iy = 0; iy < h; iy++)
                for (int ix = 0; ix < w; ix++)
                {
                    float sum = 0; // columns of the window first, as the CPU sums
                    for (int k = 0; k < scale; k++)
                    {
                        float column = 0;
                        for (int r = 0; r < scale; r++)
                        {
                            size_t o = (size_t)(p * out_plane + (iy * scale + r) * ow + ix * scale + k);
                            y_want[o] = x[(size_t)(p * in_plane + iy * w + ix)];
                            column += gy[o];
                        }
                        sum += column;
                    }
                    gx_want[(size_t)(p * in_plane + iy * w + ix)] = sum;
                }
        for (auto [grid, threads] : launch_shapes)
        {
            Floats y(y_want.size()), gx(gx_want.size());
            launch(grid, threads, upsample_nearest_forward_f32, x.data(), y.data(), planes, h, w, scale);
            expect_exact(y, y_want, "upsample_nearest_forward_f32 scale " + std::to_string(scale));
            launch(grid, threads, upsample_nearest_backward_f32, gy.data(), gx.data(), planes, h, w, scale);
            expect_exact(gx, gx_want, "upsample_nearest_backward_f32 scale " + std::to_string(scale));
        }
    }
}
