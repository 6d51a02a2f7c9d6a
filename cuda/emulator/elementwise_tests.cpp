// elementwise_tests.cpp: the kernels of cuda/elementwise.cu in the emulator against reference loops that follow the C# CPU backend
// (see kernel_tests.cpp for the scheme).
#include "test_support.h"

namespace elementwise
{
#include "../elementwise.cu"
}

static elementwise::BroadcastLayout to_kernel_layout(const Layout& layout)
{
    elementwise::BroadcastLayout l{};
    l.rank = (unsigned)layout.sizes.size();
    for (size_t d = 0; d < layout.sizes.size(); d++)
    {
        l.sizes[d] = (unsigned)layout.sizes[d];
        l.a_strides[d] = (unsigned)layout.strides[0][d];
        l.b_strides[d] = (unsigned)(layout.strides.size() > 1 ? layout.strides[1][d] : 0);
    }
    return l;
}

void elementwise_tests()
{
    using namespace elementwise;
    const long long n = 1003;
    // offsets 0 (16-byte aligned: float4 path) and 1 (scalar path)
    for (int shift : {0, 1})
    {
        std::string tag = shift ? " (unaligned)" : " (aligned)";
        Floats xs = random_floats(n + 1, 1), gs = random_floats(n + 1, 2), bs = random_floats(n + 1, 3);
        xs[5] = 0.0f;
        xs[6] = -0.0f;
        xs[7] = std::nanf("");
        Floats pos = random_floats(n + 1, 4, 0.01f, 5.0f);
        const float* x = xs.data() + shift;
        const float* g = gs.data() + shift;
        const float* b = bs.data() + shift;
        const float* p = pos.data() + shift;
        for (auto [grid, threads] : launch_shapes)
        {
            std::string at = tag + " grid " + std::to_string(grid) + " block " + std::to_string(threads);
            Floats y(n + 1), want(n + 1);
            float* out = y.data() + shift;
            // y and want hold n + 1 floats; the one the kernel must not touch (before or after the n) stays 0
            auto check = [&](const char* name, const std::function<float(long long)>& f) {
                for (long long i = 0; i < n; i++) want[(size_t)(i + shift)] = f(i);
                expect_exact(y, want, name + at);
            };
            launch(grid, threads, fill_f32, out, n, 2.5f);
            check("fill_f32", [&](long long) { return 2.5f; });
            for (float slope : {0.0f, 0.01f})
            {
                launch(grid, threads, leaky_relu_forward_f32, x, out, n, slope);
                check("leaky_relu_forward_f32", [&](long long i) { return x[i] > 0 ? x[i] : x[i] * slope; });
                launch(grid, threads, leaky_relu_backward_f32, x, g, out, n, slope);
                check("leaky_relu_backward_f32", [&](long long i) { return x[i] > 0 ? g[i] : g[i] * slope; });
            }
            launch(grid, threads, tanh_forward_f32, x, out, n);
            check("tanh_forward_f32", [&](long long i) { return std::tanh(x[i]); });
            launch(grid, threads, tanh_backward_f32, x, g, out, n);
            check("tanh_backward_f32", [&](long long i) { return g[i] * std::fma(-x[i], x[i], 1.0f); });
            launch(grid, threads, sigmoid_forward_f32, x, out, n);
            check("sigmoid_forward_f32", [&](long long i) {
                float e = std::exp(-std::fabs(x[i])), r = 1.0f / (1.0f + e);
                return x[i] >= 0 ? r : e * r;
            });
            launch(grid, threads, sigmoid_backward_f32, x, g, out, n);
            check("sigmoid_backward_f32", [&](long long i) { return g[i] * (x[i] * (1.0f - x[i])); });
            launch(grid, threads, abs_forward_f32, x, out, n);
            check("abs_forward_f32", [&](long long i) { return std::fabs(x[i]); });
            launch(grid, threads, exp_forward_f32, x, out, n);
            check("exp_forward_f32", [&](long long i) { return std::exp(x[i]); });
            launch(grid, threads, log_forward_f32, p, out, n);
            check("log_forward_f32", [&](long long i) { return std::log(p[i]); });
            launch(grid, threads, log10_forward_f32, p, out, n);
            check("log10_forward_f32", [&](long long i) { return std::log10(p[i]); });
            launch(grid, threads, abs_backward_f32, x, g, out, n);
            check("abs_backward_f32", [&](long long i) { return g[i] * (x[i] > 0 ? 1.0f : x[i] < 0 ? -1.0f : 0.0f); });
            launch(grid, threads, exp_backward_f32, x, g, out, n);
            check("exp_backward_f32", [&](long long i) { return g[i] * x[i]; });
            launch(grid, threads, log_backward_f32, p, g, out, n);
            check("log_backward_f32", [&](long long i) { return g[i] / p[i]; });
            launch(grid, threads, log10_backward_f32, p, g, out, n);
            check("log10_backward_f32", [&](long long i) { return g[i] * 0.4342944819032518f / p[i]; });
            launch(grid, threads, affine_f32, x, out, n, -1.5f, 0.25f);
            check("affine_f32", [&](long long i) { return std::fma(x[i], -1.5f, 0.25f); });
            launch(grid, threads, add_f32, x, b, out, n);
            check("add_f32", [&](long long i) { return x[i] + b[i]; });
            launch(grid, threads, sub_f32, x, b, out, n);
            check("sub_f32", [&](long long i) { return x[i] - b[i]; });
            launch(grid, threads, mul_f32, x, b, out, n);
            check("mul_f32", [&](long long i) { return x[i] * b[i]; });
            std::copy(bs.begin(), bs.end(), y.begin());
            y[shift ? 0 : (size_t)n] = 0.0f;
            launch(grid, threads, add_in_place_f32, out, x, n);
            check("add_in_place_f32", [&](long long i) { return b[i] + x[i]; });
        }
    }

    // broadcasting: (output, a, b) shapes, including every merge case of the layout
    std::vector<std::array<Shape, 3>> cases = {
        {Shape{4, 3, 5, 6}, Shape{4, 3, 5, 6}, Shape{3, 1, 1}},
        {Shape{7, 10}, Shape{7, 10}, Shape{10}},
        {Shape{7, 10}, Shape{7, 1}, Shape{1, 10}},
        {Shape{2, 3}, Shape{}, Shape{2, 3}},
        {Shape{4, 5, 3}, Shape{4, 1, 3}, Shape{1, 5, 1}},
        {Shape{3, 4}, Shape{3, 4}, Shape{3, 4}},
        {Shape{}, Shape{}, Shape{}},
        {Shape{2, 1, 3, 1, 4}, Shape{2, 1, 3, 1, 4}, Shape{1, 4}},
    };
    for (auto& [out_shape, a_shape, b_shape] : cases)
    {
        Layout layout = create_layout(out_shape, {a_shape, b_shape});
        BroadcastLayout kl = to_kernel_layout(layout);
        Floats a = random_floats((size_t)numel(a_shape), 11), b = random_floats((size_t)numel(b_shape), 12);
        long long count = numel(out_shape);
        for (auto [grid, threads] : launch_shapes)
        {
            std::string at = " rank " + std::to_string(out_shape.size()) + " merged " + std::to_string(layout.sizes.size()) + " grid " + std::to_string(grid) + " block " + std::to_string(threads);
            Floats y((size_t)count), want((size_t)count);
            auto ref = [&](auto op) {
                for (long long i = 0; i < count; i++)
                    want[(size_t)i] = op(a[(size_t)broadcast_offset(out_shape, a_shape, i)], b[(size_t)broadcast_offset(out_shape, b_shape, i)]);
            };
            launch(grid, threads, add_broadcast_f32, a.data(), b.data(), y.data(), kl);
            ref([](float u, float v) { return u + v; });
            expect_exact(y, want, "add_broadcast_f32" + at);
            launch(grid, threads, sub_broadcast_f32, a.data(), b.data(), y.data(), kl);
            ref([](float u, float v) { return u - v; });
            expect_exact(y, want, "sub_broadcast_f32" + at);
            launch(grid, threads, mul_broadcast_f32, a.data(), b.data(), y.data(), kl);
            ref([](float u, float v) { return u * v; });
            expect_exact(y, want, "mul_broadcast_f32" + at);

            // expand: b's shape broadcast to the output (layout with the operand in the a slot)
            BroadcastLayout el = to_kernel_layout(create_layout(out_shape, {b_shape}));
            launch(grid, threads, expand_f32, b.data(), y.data(), el, 0.5f);
            for (long long i = 0; i < count; i++) want[(size_t)i] = 0.5f * b[(size_t)broadcast_offset(out_shape, b_shape, i)];
            expect_exact(y, want, "expand_f32" + at);
        }
    }

    // strided copy: a (3, 4, 5) tensor read through a permutation (2, 0, 1) of its strides, from an offset
    {
        Floats src = random_floats(1 + 60, 21);
        StridedCopyLayout layout{};
        layout.rank = 3;
        long long sizes[3] = {5, 3, 4}, src_strides[3] = {1, 20, 5}, dst_strides[3] = {12, 4, 1};
        for (int d = 0; d < 3; d++)
        {
            layout.sizes[d] = sizes[d];
            layout.src_strides[d] = src_strides[d];
            layout.dst_strides[d] = dst_strides[d];
        }
        for (auto [grid, threads] : launch_shapes)
        {
            Floats dst(60), want(60);
            launch(grid, threads, copy_strided_f32, src.data() + 1, dst.data(), layout);
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 3; j++)
                    for (int k = 0; k < 4; k++) want[(size_t)(i * 12 + j * 4 + k)] = src[(size_t)(1 + i + j * 20 + k * 5)];
            expect_exact(dst, want, "copy_strided_f32 grid " + std::to_string(grid) + " block " + std::to_string(threads));
        }
    }
}
