// softmax_tests.cpp: the kernels of cuda/softmax.cu in the emulator against reference loops that follow the C# CPU backend
// (see kernel_tests.cpp for the scheme).
#include "test_support.h"

namespace softmax
{
#include "../softmax.cu"
}

void softmax_tests()
{
    using namespace softmax;
    const long long rows = 9;
    for (long long cols : {10LL, 300LL})
    {
        Floats x = random_floats((size_t)(rows * cols), 41, -8.0f, 8.0f);
        x[0] = 80.0f; // large logits: the max-subtraction keeps exp finite
        Floats g = random_floats((size_t)(rows * cols), 42);
        std::vector<double> want_p, want_logp, want_gsoft, want_glog;
        Floats probs, logprobs;
        for (long long r = 0; r < rows; r++)
        {
            auto p = softmax_row(x.data() + r * cols, cols);
            double dot = 0, gsum = 0;
            for (long long j = 0; j < cols; j++)
            {
                dot += g[(size_t)(r * cols + j)] * p[(size_t)j];
                gsum += g[(size_t)(r * cols + j)];
            }
            for (long long j = 0; j < cols; j++)
            {
                want_p.push_back(p[(size_t)j]);
                want_logp.push_back(std::log(p[(size_t)j]));
                probs.push_back((float)p[(size_t)j]);
                logprobs.push_back((float)std::log(p[(size_t)j]));
                want_gsoft.push_back(p[(size_t)j] * (g[(size_t)(r * cols + j)] - dot));
                want_glog.push_back(g[(size_t)(r * cols + j)] - p[(size_t)j] * gsum);
            }
        }
        for (auto [grid, threads] : launch_shapes)
        {
            std::string at = " cols " + std::to_string(cols) + " grid " + std::to_string(grid) + " block " + std::to_string(threads);
            Floats y((size_t)(rows * cols));
            launch(grid, threads, softmax_rows_f32, x.data(), y.data(), rows, cols, 0);
            expect_close(y, want_p, 1e-6, "softmax_rows_f32" + at);
            launch(grid, threads, softmax_rows_f32, x.data(), y.data(), rows, cols, 1);
            expect_close(y, want_logp, 1e-6, "softmax_rows_f32 (log)" + at);
            launch(grid, threads, softmax_rows_backward_f32, probs.data(), g.data(), y.data(), rows, cols, 0);
            expect_close(y, want_gsoft, 1e-6, "softmax_rows_backward_f32" + at);
            launch(grid, threads, softmax_rows_backward_f32, logprobs.data(), g.data(), y.data(), rows, cols, 1);
            expect_close(y, want_glog, 1e-5, "softmax_rows_backward_f32 (log)" + at);
        }
        // the same rows seen as columns of (1, cols, rows) after a transpose: dim = 1 with inner = rows
        Floats xt((size_t)(rows * cols)), gt((size_t)(rows * cols)), pt((size_t)(rows * cols)), lt((size_t)(rows * cols));
        std::vector<double> wp(xt.size()), wl(xt.size()), wgs(xt.size()), wgl(xt.size());
        for (long long r = 0; r < rows; r++)
            for (long long j = 0; j < cols; j++)
            {
                size_t from = (size_t)(r * cols + j), to = (size_t)(j * rows + r);
                xt[to] = x[from];
                gt[to] = g[from];
                pt[to] = probs[from];
                lt[to] = logprobs[from];
                wp[to] = want_p[from];
                wl[to] = want_logp[from];
                wgs[to] = want_gsoft[from];
                wgl[to] = want_glog[from];
            }
        for (auto [grid, threads] : launch_shapes)
        {
            std::string at = " cols " + std::to_string(cols) + " block " + std::to_string(threads);
            Floats y(xt.size());
            launch(grid, threads, softmax_columns_f32, xt.data(), y.data(), 1LL, cols, rows, 0);
            expect_close(y, wp, 1e-6, "softmax_columns_f32" + at);
            launch(grid, threads, softmax_columns_f32, xt.data(), y.data(), 1LL, cols, rows, 1);
            expect_close(y, wl, 1e-6, "softmax_columns_f32 (log)" + at);
            launch(grid, threads, softmax_columns_backward_f32, pt.data(), gt.data(), y.data(), 1LL, cols, rows, 0);
            expect_close(y, wgs, 1e-6, "softmax_columns_backward_f32" + at);
            launch(grid, threads, softmax_columns_backward_f32, lt.data(), gt.data(), y.data(), 1LL, cols, rows, 1);
            expect_close(y, wgl, 1e-5, "softmax_columns_backward_f32 (log)" + at);
        }
    }

    // a NaN anywhere in a row (first, middle, last element) makes the whole row NaN, as the CPU's RowMax does
    {
        const long long cols = 40;
        Floats x = random_floats(3 * cols, 48);
        x[0] = std::nanf("");
        x[cols + 17] = std::nanf("");
        x[3 * cols - 1] = std::nanf("");
        std::vector<double> want(x.size(), NAN);
        for (auto [grid, threads] : launch_shapes)
            for (int log : {0, 1})
            {
                std::string at = log ? " (log) block " : " block ";
                Floats y(x.size());
                launch(grid, threads, softmax_rows_f32, x.data(), y.data(), 3LL, cols, log);
                expect_close(y, want, 0.0, "softmax_rows_f32 NaN rows" + at + std::to_string(threads));
                launch(grid, threads, softmax_columns_f32, x.data(), y.data(), 3LL, cols, 1LL, log);
                expect_close(y, want, 0.0, "softmax_columns_f32 NaN rows" + at + std::to_string(threads));
            }
    }

    // cross-entropy: mean over rows of logsumexp − logit[target]; gradient (p − onehot)·g/N
    {
        const long long classes = 10;
        Floats x = random_floats((size_t)(rows * classes), 43, -5.0f, 5.0f);
        Floats targets = {0, 9, 3, 3, 7, 1, 2, 8, 5};
        double total = 0;
        std::vector<double> want_grad;
        const float g_loss = 2.0f;
        for (long long r = 0; r < rows; r++)
        {
            auto p = softmax_row(x.data() + r * classes, classes);
            total += -std::log(p[(size_t)targets[(size_t)r]]);
            for (long long j = 0; j < classes; j++) want_grad.push_back((p[(size_t)j] - (j == (long long)targets[(size_t)r])) * g_loss / rows);
        }
        for (auto [grid, threads] : launch_shapes)
        {
            std::string at = " grid " + std::to_string(grid) + " block " + std::to_string(threads);
            std::vector<double> row_loss((size_t)rows);
            unsigned int bad = 0xFFFFFFFFu;
            launch(grid, threads, cross_entropy_rows_f32, x.data(), targets.data(), row_loss.data(), rows, classes, &bad);
            Floats loss(1);
            launch(1, 256, reduce::sum_finish_f64, (const double*)row_loss.data(), rows, loss.data(), 1.0 / rows);
            expect_close(loss, {total / rows}, 1e-6, "cross_entropy_rows_f32 + sum_finish_f64" + at);
            expect(bad == 0xFFFFFFFFu, "cross_entropy_rows_f32 flagged a valid target" + at);
            Floats grad((size_t)(rows * classes));
            launch(grid, threads, cross_entropy_backward_f32, x.data(), targets.data(), &g_loss, grad.data(), rows, classes);
            expect_close(grad, want_grad, 1e-6, "cross_entropy_backward_f32" + at);
        }
        Floats bad_targets = targets;
        bad_targets[3] = 2.5f;
        bad_targets[6] = -1.0f;
        bad_targets[8] = 10.0f;
        // one block meets the bad rows in order 3, 6, 8; two blocks in order 6, 8, 3: the first bad row either way
        for (unsigned grid : {1u, 2u})
        {
            std::vector<double> row_loss((size_t)rows);
            unsigned int bad = 0xFFFFFFFFu;
            launch(grid, 64, cross_entropy_rows_f32, x.data(), bad_targets.data(), row_loss.data(), rows, classes, &bad);
            expect(bad == 3, "cross_entropy_rows_f32: first bad row is 3, got " + std::to_string(bad));
            expect(row_loss[3] != row_loss[3] && row_loss[6] != row_loss[6] && row_loss[8] != row_loss[8] && row_loss[0] == row_loss[0],
                   "cross_entropy_rows_f32: bad rows give NaN, good rows a number");
        }
        Floats grad((size_t)(rows * classes));
        launch(2, 64, cross_entropy_backward_f32, x.data(), bad_targets.data(), &g_loss, grad.data(), rows, classes);
        expect(grad[30] != grad[30] && grad[0] == grad[0], "cross_entropy_backward_f32: NaN row for a bad target");
    }

    // KL divergence: scale·Σ (xlogy(t, t) − t·x); gradients −g·t and g·(ln t + 1 − x) (NaN where t = 0)
    {
        const long long n = 5000;
        Floats lp = random_floats((size_t)n, 44, -6.0f, -0.1f), t = random_floats((size_t)n, 45, 0.0f, 1.0f);
        for (size_t i = 0; i < (size_t)n; i += 7) t[i] = 0.0f;
        double total = 0;
        for (size_t i = 0; i < (size_t)n; i++) total += (t[i] == 0 ? 0.0 : (double)t[i] * std::log((double)t[i])) - (double)t[i] * lp[i];
        const float scale = 0.125f, g_loss = 3.0f;
        for (long long chunk : {65536LL, 777LL})
        {
            long long chunks = (n + chunk - 1) / chunk;
            std::vector<double> partials((size_t)chunks);
            launch(2, 128, kl_div_chunks_f32, lp.data(), t.data(), partials.data(), n, chunk);
            Floats loss(1);
            launch(1, 256, reduce::sum_finish_f64, (const double*)partials.data(), chunks, loss.data(), (double)scale);
            expect_close(loss, {scale * total}, 1e-6, "kl_div_chunks_f32 + sum_finish_f64 chunk " + std::to_string(chunk));
        }
        Floats gx((size_t)n), gt((size_t)n), want_gx((size_t)n), want_gt((size_t)n);
        float g = g_loss * scale;
        for (size_t i = 0; i < (size_t)n; i++)
        {
            want_gx[i] = -g * t[i];
            want_gt[i] = t[i] == 0 ? NAN : g * ((std::log(t[i]) + 1.0f) - lp[i]);
        }
        launch(3, 64, kl_div_backward_f32, lp.data(), t.data(), &g_loss, gx.data(), gt.data(), n, scale);
        expect_exact(gx, want_gx, "kl_div_backward_f32 g_log_probs");
        expect_exact(gt, want_gt, "kl_div_backward_f32 g_target");
        Floats untouched((size_t)n, 7.0f);
        launch(3, 64, kl_div_backward_f32, lp.data(), t.data(), &g_loss, (float*)nullptr, untouched.data(), n, scale);
        expect_exact(untouched, want_gt, "kl_div_backward_f32 with g_log_probs null");
    }

    // KD loss: (1/N) Σ KL(softmax(t/T) ‖ softmax(s/T)); gradient (p_s − p_t)·g/(N·T)
    for (long long classes : {10LL, 100LL})
    {
        const float temperature = 4.0f, g_loss = 1.5f;
        Floats s = random_floats((size_t)(rows * classes), 46, -10.0f, 10.0f), t = random_floats((size_t)(rows * classes), 47, -10.0f, 10.0f);
        double total = 0;
        std::vector<double> want_grad;
        for (long long r = 0; r < rows; r++)
        {
            auto ps = softmax_row(s.data() + r * classes, classes, 1.0 / temperature);
            auto pt = softmax_row(t.data() + r * classes, classes, 1.0 / temperature);
            for (long long j = 0; j < classes; j++)
            {
                total += pt[(size_t)j] * (std::log(pt[(size_t)j]) - std::log(ps[(size_t)j]));
                want_grad.push_back((ps[(size_t)j] - pt[(size_t)j]) * g_loss / (rows * temperature));
            }
        }
        for (auto [grid, threads] : launch_shapes)
        {
            std::string at = " classes " + std::to_string(classes) + " block " + std::to_string(threads);
            std::vector<double> row_loss((size_t)rows);
            launch(grid, threads, kd_loss_rows_f32, s.data(), t.data(), row_loss.data(), rows, classes, 1.0f / temperature);
            Floats loss(1);
            launch(1, 256, reduce::sum_finish_f64, (const double*)row_loss.data(), rows, loss.data(), 1.0 / rows);
            expect_close(loss, {total / rows}, 1e-5, "kd_loss_rows_f32 + sum_finish_f64" + at);
            Floats grad((size_t)(rows * classes));
            launch(grid, threads, kd_loss_backward_f32, s.data(), t.data(), &g_loss, grad.data(), rows, classes, 1.0f / temperature, temperature);
            expect_close(grad, want_grad, 1e-6, "kd_loss_backward_f32" + at);
        }
    }
}
