// norm_tests.cpp: the kernels of cuda/norm.cu in the emulator against reference loops that follow the C# CPU backend
// (see kernel_tests.cpp for the scheme).
#include "test_support.h"

namespace norm
{
#include "../norm.cu"
}

void norm_tests()
{
    using namespace norm;
    const long long channels = 300;
    const float eps = 1e-5f;
    // variances from tiny (comparable to eps) to large, and an exact zero
    Floats var = random_floats((size_t)channels, 81, 0.0f, 4.0f);
    for (size_t c = 0; c < var.size(); c += 7) var[c] = std::ldexp(var[c], -(int)(c % 30));
    var[0] = 0.0f;
    Floats inv_want(var.size());
    for (size_t c = 0; c < var.size(); c++) inv_want[c] = (float)(1.0 / std::sqrt((double)var[c] + (double)eps)); // CpuBackend.InvStd
    for (auto [grid, block] : launch_shapes)
    {
        std::string at = " grid " + std::to_string(grid) + " block " + std::to_string(block);
        Floats inv(var.size(), -1.0f), back(var.size(), -1.0f);
        launch(grid, block, batch_norm_inv_std_f32, var.data(), inv.data(), channels, eps);
        expect_exact(inv, inv_want, "batch_norm_inv_std_f32" + at);
        launch(grid, block, batch_norm_var_from_inv_std_f32, inv.data(), back.data(), channels, eps);
        Floats back_want(var.size());
        for (size_t c = 0; c < var.size(); c++)
        {
            double s = inv[c], v = 1.0 / (s * s) - (double)eps;
            back_want[c] = (float)(v > 0.0 ? v : 0.0);
        }
        expect_exact(back, back_want, "batch_norm_var_from_inv_std_f32" + at);
        // the round trip: within float rounding of (var + eps), never negative
        std::vector<double> trip(var.begin(), var.end());
        for (size_t c = 0; c < var.size(); c++)
            expect(back[c] >= 0.0f && std::fabs(back[c] - trip[c]) <= 4e-7 * (trip[c] + eps), "batch_norm round trip channel " + std::to_string(c) + at);
    }

    // The fused BatchNorm → LeakyReLU forward against CpuBackend.ForwardTraining with LeakyActivation: the float
    // first-pass mean given (save_mean, as the backend passes it), moments in double, then the CPU's statistics,
    // coefficients and running statistics; with and without weight, bias and running statistics.
    {
        const long long n = 3, ch = 5, plane = 35, count = n * plane, chunk = 32, chunks = (count + chunk - 1) / chunk;
        const float slope = 0.2f, bn_eps = 0.8f, momentum = 0.1f;
        size_t total = (size_t)(n * ch * plane);
        Floats x = random_floats(total, 88, -1.0f, 5.0f), weight = random_floats((size_t)ch, 89, 0.5f, 1.5f), bias = random_floats((size_t)ch, 90);
        Floats rm0 = random_floats((size_t)ch, 91), rv0 = random_floats((size_t)ch, 92, 0.5f, 2.0f), first_mean((size_t)ch);
        std::vector<double> y_want(total), mean_want((size_t)ch), var_want((size_t)ch), rm_want((size_t)ch), rv_want((size_t)ch);
        for (bool affine : {true, false})
        {
            for (long long c = 0; c < ch; c++)
            {
                double sum = 0, dev = 0, dev_sq = 0;
                for (long long i = 0; i < n; i++)
                    for (long long o = 0; o < plane; o++) sum += x[(size_t)((i * ch + c) * plane + o)];
                float m = (float)(sum / count);
                first_mean[(size_t)c] = m;
                for (long long i = 0; i < n; i++)
                    for (long long o = 0; o < plane; o++)
                    {
                        double d = x[(size_t)((i * ch + c) * plane + o)] - m;
                        dev += d;
                        dev_sq += d * d;
                    }
                double exact_mean = m + dev / count, var = std::max(dev_sq - dev * dev / count, 0.0) / count;
                float saved_mean = (float)exact_mean, saved_var = (float)var;
                mean_want[(size_t)c] = saved_mean;
                var_want[(size_t)c] = saved_var;
                double inv_std = 1.0 / std::sqrt((double)saved_var + (double)bn_eps), w = affine ? weight[c] : 1.0;
                float a = (float)(w * inv_std), b = (float)((affine ? bias[c] : 0.0) - saved_mean * w * inv_std);
                for (long long i = 0; i < n; i++)
                    for (long long o = 0; o < plane; o++)
                    {
                        size_t e = (size_t)((i * ch + c) * plane + o);
                        float z = std::fma(x[e], a, b);
                        y_want[e] = z > 0 ? z : z * slope;
                    }
                rm_want[(size_t)c] = (float)((1.0 - momentum) * rm0[c] + momentum * exact_mean);
                rv_want[(size_t)c] = (float)((1.0 - momentum) * rv0[c] + momentum * var * count / (count - 1));
            }
            for (auto [grid, block] : launch_shapes)
                for (bool running : {true, false})
                {
                    std::string at = std::string(affine ? " affine" : " no affine") + (running ? "" : " no running statistics") + " grid " + std::to_string(grid) + " block " + std::to_string(block);
                    std::vector<double> partials((size_t)(2 * ch * chunks), std::nan(""));
                    Floats save_mean = first_mean, save_var((size_t)ch, std::nan("")), rm = rm0, rv = rv0, coefficients((size_t)(2 * ch), std::nan("")), y(total, std::nan(""));
                    launch(dim3(grid, 2), block, batch_norm_moments_chunks_f32, x.data(), save_mean.data(), partials.data(), n, ch, plane, chunk);
                    launch(grid, block, batch_norm_statistics_finish_f32, (const double*)partials.data(), chunks, save_mean.data(), affine ? weight.data() : (float*)nullptr,
                           affine ? bias.data() : (float*)nullptr, running ? rm.data() : (float*)nullptr, running ? rv.data() : (float*)nullptr, save_mean.data(), save_var.data(),
                           coefficients.data(), ch, count, momentum, bn_eps);
                    launch(grid, block, batch_norm_leaky_relu_forward_f32, x.data(), (const float*)coefficients.data(), y.data(), n, ch, plane, slope);
                    expect_close(save_mean, mean_want, 1e-6, "batch_norm fused forward save_mean" + at);
                    expect_close(save_var, var_want, 1e-6, "batch_norm fused forward save_var" + at);
                    expect_close(y, y_want, 1e-5, "batch_norm_leaky_relu_forward_f32 y" + at);
                    if (running)
                    {
                        expect_close(rm, rm_want, 1e-6, "batch_norm fused forward running_mean" + at);
                        expect_close(rv, rv_want, 1e-6, "batch_norm fused forward running_var" + at);
                    }
                }
        }
    }
    // The fused BatchNorm → LeakyReLU backward against CpuBackend.Backward with LeakyGradMask: sums in double in
    // the CPU's order, then its coefficients and element formula; with and without weight and parameter gradients,
    // chunks that do not divide a channel (nor a plane), and grids smaller than the work.
    const long long n = 3, ch = 5, plane = 35, count = n * plane, chunk = 32, chunks = (count + chunk - 1) / chunk;
    const float slope = 0.2f, bn_eps = 0.8f;
    size_t total = (size_t)(n * ch * plane);
    Floats x = random_floats(total, 82), y = random_floats(total, 83), gy = random_floats(total, 84);
    Floats mean = random_floats((size_t)ch, 85), bn_var = random_floats((size_t)ch, 86, 0.5f, 2.0f), weight = random_floats((size_t)ch, 87, 0.5f, 1.5f);
    for (bool affine : {true, false})
    {
        std::vector<double> gx_want(total), gw_want((size_t)ch), gb_want((size_t)ch);
        for (long long c = 0; c < ch; c++)
        {
            double s = 0, sd = 0;
            for (long long i = 0; i < n; i++)
                for (long long o = 0; o < plane; o++)
                {
                    size_t e = (size_t)((i * ch + c) * plane + o);
                    float g = y[e] > 0 ? gy[e] : gy[e] * slope;
                    s += g;
                    sd += (double)g * (double)(x[e] - mean[c]);
                }
            double inv_std = 1.0 / std::sqrt((double)bn_var[c] + (double)bn_eps), w = affine ? weight[c] : 1.0;
            gb_want[(size_t)c] = (float)s;
            gw_want[(size_t)c] = (float)(sd * inv_std);
            float a = (float)(w * inv_std), b = (float)(-w * inv_std * inv_std * inv_std * sd / count), k = (float)(-w * inv_std * s / count);
            for (long long i = 0; i < n; i++)
                for (long long o = 0; o < plane; o++)
                {
                    size_t e = (size_t)((i * ch + c) * plane + o);
                    float g = y[e] > 0 ? gy[e] : gy[e] * slope;
                    gx_want[e] = std::fma(x[e] - mean[c], b, std::fma(g, a, k));
                }
        }
        for (auto [grid, block] : launch_shapes)
            for (bool parameter_grads : {true, false})
            {
                std::string at = std::string(affine ? " affine" : " no affine") + (parameter_grads ? "" : " gx only") + " grid " + std::to_string(grid) + " block " + std::to_string(block);
                std::vector<double> partials((size_t)(2 * ch * chunks), std::nan(""));
                Floats coefficients((size_t)(3 * ch), std::nan("")), gw((size_t)ch, -1.0f), gb((size_t)ch, -1.0f), gx(total, std::nan(""));
                launch(dim3(grid, 2), block, batch_norm_leaky_relu_backward_chunks_f32, x.data(), y.data(), gy.data(), mean.data(), partials.data(), n, ch, plane, chunk, slope);
                launch(grid, block, batch_norm_leaky_relu_backward_finish_f32, (const double*)partials.data(), chunks, bn_var.data(), affine ? weight.data() : (float*)nullptr,
                       parameter_grads ? gw.data() : (float*)nullptr, parameter_grads ? gb.data() : (float*)nullptr, coefficients.data(), ch, count, bn_eps);
                launch(grid, block, batch_norm_leaky_relu_backward_input_f32, x.data(), y.data(), gy.data(), mean.data(), (const float*)coefficients.data(), gx.data(), n, ch, plane, slope);
                if (parameter_grads)
                {
                    expect_close(gb, gb_want, 1e-6, "batch_norm_leaky_relu_backward g_bias" + at);
                    expect_close(gw, gw_want, 1e-6, "batch_norm_leaky_relu_backward g_weight" + at);
                }
                expect_close(gx, gx_want, 1e-5, "batch_norm_leaky_relu_backward gx" + at);
            }
    }
}
