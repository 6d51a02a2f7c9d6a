// dafl_tests.cpp: the kernels of cuda/dafl.cu in the emulator against reference loops that follow the C# CPU backend
// (see kernel_tests.cpp for the scheme).
#include "test_support.h"

namespace dafl
{
#include "../dafl.cu"
}

void dafl_tests()
{
    using namespace dafl;
    // rows 150 = two full chunks of 64 and a partial one; classes below and above the block size
    for (long long classes : {10LL, 300LL})
    {
        const long long rows = 150;
        Floats x = random_floats((size_t)(rows * classes), 51, -4.0f, 4.0f);
        const float scale = (float)(1.0 / std::log(10.0)), g_loss = 0.75f;
        std::vector<std::vector<double>> p;
        std::vector<double> mean((size_t)classes, 0.0);
        for (long long i = 0; i < rows; i++)
        {
            p.push_back(softmax_row(x.data() + i * classes, classes));
            for (long long k = 0; k < classes; k++) mean[(size_t)k] += p.back()[(size_t)k] / rows;
        }
        double loss_want = 0;
        for (double m : mean) loss_want += m * std::log(m);
        loss_want *= scale;
        // dL/dx_ij = (scale/N)·p_ij·(ln p̄_j − Σ_k p_ik ln p̄_k), from L = scale·Σ_k p̄_k ln p̄_k by the chain rule
        std::vector<double> grad_want;
        for (long long i = 0; i < rows; i++)
        {
            double weighted = 0;
            for (long long k = 0; k < classes; k++) weighted += p[(size_t)i][(size_t)k] * std::log(mean[(size_t)k]);
            for (long long j = 0; j < classes; j++)
                grad_want.push_back(g_loss * scale / rows * p[(size_t)i][(size_t)j] * (std::log(mean[(size_t)j]) - weighted));
        }
        long long chunks = (rows + 63) / 64;
        for (unsigned grid : {1u, 2u, 3u})
        {
            std::string at = " classes " + std::to_string(classes) + " grid " + std::to_string(grid);
            std::vector<double> partials((size_t)(chunks * classes));
            launch(grid, 256, information_entropy_chunks_f32, x.data(), partials.data(), rows, classes);
            Floats loss(1), g((size_t)classes);
            launch(1, 256, information_entropy_finish_f32, (const double*)partials.data(), chunks, rows, classes, loss.data(), (float*)nullptr, scale);
            expect_close(loss, {loss_want}, 1e-6, "information_entropy_chunks_f32 + finish (loss)" + at);
            launch(1, 256, information_entropy_finish_f32, (const double*)partials.data(), chunks, rows, classes, (float*)nullptr, g.data(), scale);
            std::vector<double> g_want;
            for (double m : mean) g_want.push_back(scale * std::log(m));
            expect_close(g, g_want, 1e-6, "information_entropy_finish_f32 (g_log_mean)" + at);
            // the backward's rows are independent of the chunking: one grid is enough for it
            for (unsigned threads : {32u, 256u})
            {
                if (grid != 2) continue;
                Floats grad((size_t)(rows * classes));
                launch(grid, threads, information_entropy_backward_f32, x.data(), (const float*)g.data(), &g_loss, grad.data(), rows, classes);
                expect_close(grad, grad_want, 1e-6, "information_entropy_backward_f32" + at + " block " + std::to_string(threads));
            }
        }
    }
    // a class that no row predicts: p̄_k = 0 exactly gives 0·ln 0 = 0 and a zero weight
    {
        const long long rows = 3, classes = 4;
        Floats x = {0, 0, 0, -200, 1, 2, 3, -200, 5, 4, 3, -200};
        std::vector<double> partials(4);
        launch(1, 256, information_entropy_chunks_f32, x.data(), partials.data(), rows, classes);
        Floats loss(1), g(4);
        launch(1, 256, information_entropy_finish_f32, (const double*)partials.data(), 1LL, rows, classes, loss.data(), g.data(), 1.0f);
        expect(loss[0] == loss[0] && g[3] == 0.0f, "information_entropy_finish_f32: 0·ln 0 = 0 and weight 0 for an empty class");
    }
    // activation loss: scale·Σ|x| and (g·scale)·sign x
    {
        const long long n = 70001;
        Floats x = random_floats((size_t)n, 52);
        x[10] = 0.0f;
        std::vector<double> terms;
        for (float v : x) terms.push_back(std::fabs(v));
        const float scale = -1.0f / 512, g_loss = 2.0f;
        for (long long chunk : {65536LL, 1000LL})
        {
            long long chunks = (n + chunk - 1) / chunk;
            std::vector<double> partials((size_t)chunks);
            launch(3, 256, abs_sum_chunks_f32, x.data(), partials.data(), n, chunk);
            Floats loss(1);
            launch(1, 256, reduce::sum_finish_f64, (const double*)partials.data(), chunks, loss.data(), (double)scale);
            expect_close(loss, {scaled_sum(terms, scale)}, 1e-7, "abs_sum_chunks_f32 + sum_finish_f64 chunk " + std::to_string(chunk));
        }
        Floats gx((size_t)n), want((size_t)n);
        float c = g_loss * scale;
        for (size_t i = 0; i < (size_t)n; i++) want[i] = c * (x[i] > 0 ? 1.0f : x[i] < 0 ? -1.0f : 0.0f);
        launch(5, 128, abs_sum_backward_f32, x.data(), &g_loss, gx.data(), n, scale);
        expect_exact(gx, want, "abs_sum_backward_f32");
    }
}
