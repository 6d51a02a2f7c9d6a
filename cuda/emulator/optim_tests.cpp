// optim_tests.cpp: the kernels of cuda/optim.cu in the emulator against reference loops that follow the C# CPU backend
// (see kernel_tests.cpp for the scheme).
#include "test_support.h"

namespace optim
{
#include "../optim.cu"
}

void optim_tests()
{
    using namespace optim;
    const long long n = 777;
    Floats p0 = random_floats((size_t)n, 71), g = random_floats((size_t)n, 72), b0 = random_floats((size_t)n, 73);
    // SGD, every branch: (momentum buffer?, nesterov, first step, weight decay?), as CpuBackend.SgdScalar
    for (int variant = 0; variant < 6; variant++)
    {
        bool with_buffer = variant > 0, nesterov = variant >= 3, first = variant == 1 || variant == 3;
        const float neg_lr = -0.1f, momentum = 0.9f, dampening_complement = 0.75f, wd = variant == 5 ? 0.0f : 5e-4f;
        Floats p = p0, b = b0, p_want = p0, b_want = b0;
        for (size_t i = 0; i < (size_t)n; i++)
        {
            float d = g[i];
            if (wd != 0.0f) d = std::fma(p_want[i], wd, d);
            if (with_buffer)
            {
                float buf = first ? d : std::fma(d, dampening_complement, b_want[i] * momentum);
                b_want[i] = buf;
                d = nesterov ? std::fma(buf, momentum, d) : buf;
            }
            p_want[i] = std::fma(d, neg_lr, p_want[i]);
        }
        launch(3, 64, sgd_step_f32, p.data(), g.data(), with_buffer ? b.data() : (float*)nullptr, n, neg_lr, momentum, dampening_complement, wd, (int)nesterov, (int)first);
        std::string at = " variant " + std::to_string(variant);
        expect_exact(p, p_want, "sgd_step_f32 param" + at);
        expect_exact(b, b_want, "sgd_step_f32 momentum buffer" + at);
    }
    // Adam at step 3, scalars computed as Optim.Adam does (double from the decimal values, rounded once),
    // element arithmetic as CpuBackend.AdamScalar; with and without weight decay
    for (float wd : {1e-4f, 0.0f})
    {
        const float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
        const int step = 3;
        double b1 = 0.9, b2 = 0.999;
        double bc1 = 1 - std::pow(b1, step), bc2 = 1 - std::pow(b2, step);
        float neg_step_size = (float)(-0.001 / bc1), sqrt_bc2 = (float)std::sqrt(bc2), c1 = (float)(1 - b1), c2 = (float)(1 - b2);
        Floats p = p0, m = random_floats((size_t)n, 74), v = random_floats((size_t)n, 75, 0.0f, 1.0f);
        Floats p_want = p, m_want = m, v_want = v;
        for (size_t i = 0; i < (size_t)n; i++)
        {
            float gi = g[i];
            if (wd != 0.0f) gi = std::fma(p_want[i], wd, gi);
            float mi = std::fma(gi, c1, m_want[i] * beta1);
            float vi = std::fma(gi * c2, gi, v_want[i] * beta2);
            m_want[i] = mi;
            v_want[i] = vi;
            float denom = std::sqrt(vi) / sqrt_bc2 + eps;
            p_want[i] = p_want[i] + neg_step_size * mi / denom;
        }
        launch(3, 64, adam_step_f32, p.data(), g.data(), m.data(), v.data(), n, beta1, c1, beta2, c2, wd, neg_step_size, sqrt_bc2, eps);
        std::string at = wd != 0.0f ? " (weight decay)" : " (no weight decay)";
        expect_exact(p, p_want, "adam_step_f32 param" + at);
        expect_exact(m, m_want, "adam_step_f32 m" + at);
        expect_exact(v, v_want, "adam_step_f32 v" + at);
    }
    // The multi-tensor Adam against adam_step_f32 per tensor (itself checked above): tensors of one element to
    // several chunks, each at its own step, weight decay on every other one, at every launch shape and with a
    // chunk that does not divide the tensors.
    const long long sizes[] = {777, 1, 64, 200, 33, 129};
    const int count = (int)(sizeof sizes / sizeof sizes[0]);
    const long long chunk = 64;
    for (auto [grid, block] : launch_shapes)
    {
        AdamMultiTable table{};
        std::vector<Floats> p(count), gs(count), m(count), v(count), p_want(count), m_want(count), v_want(count);
        long long chunks = 0;
        for (int k = 0; k < count; k++)
        {
            size_t n_k = (size_t)sizes[k];
            p[k] = random_floats(n_k, 80 + k), gs[k] = random_floats(n_k, 90 + k), m[k] = random_floats(n_k, 100 + k), v[k] = random_floats(n_k, 110 + k, 0.0f, 1.0f);
            p_want[k] = p[k], m_want[k] = m[k], v_want[k] = v[k];
            int step = k + 1;
            double bc1 = 1 - std::pow(0.5, step), bc2 = 1 - std::pow(0.999, step);
            float wd = k % 2 == 0 ? 1e-4f : 0.0f, neg_step_size = (float)(-0.2 / bc1), sqrt_bc2 = (float)std::sqrt(bc2);
            launch(1, 32, adam_step_f32, p_want[k].data(), gs[k].data(), m_want[k].data(), v_want[k].data(), sizes[k], 0.5f, 0.5f, 0.999f, (float)(1 - 0.999), wd, neg_step_size, sqrt_bc2, 1e-8f);
            table.tensors[k] = {p[k].data(), gs[k].data(), m[k].data(), v[k].data(), sizes[k], chunks, 0.5f, 0.5f, 0.999f, (float)(1 - 0.999), wd, neg_step_size, sqrt_bc2, 1e-8f};
            chunks += (sizes[k] + chunk - 1) / chunk;
        }
        launch(grid, block, adam_step_multi_f32, table, count, chunks, chunk);
        for (int k = 0; k < count; k++)
        {
            std::string at = " tensor " + std::to_string(k) + " grid " + std::to_string(grid) + " block " + std::to_string(block);
            expect_exact(p[k], p_want[k], "adam_step_multi_f32 param" + at);
            expect_exact(m[k], m_want[k], "adam_step_multi_f32 m" + at);
            expect_exact(v[k], v_want[k], "adam_step_multi_f32 v" + at);
        }
    }
}
