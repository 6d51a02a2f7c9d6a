// kernel_tests.cpp: every kernel of cuda/*.cu run in the emulator (emulator.h) against a reference loop that
// follows the C# CPU backend (src/DafL/Backends/Cpu/CpuBackend.*.cs, src/DafL/Random/Philox.cs) step by step,
// at several block and grid sizes (llm.c's "validate at every block size"), including grids smaller than the
// work so that every grid-stride loop wraps. Where the CPU's result is bit-exact by construction (elementwise,
// pooling, optimizers, uniforms, the generic sum) the check is bit-exact; sums whose order differs from the CPU's
// are checked against float64 references with a tolerance. Built and run by tools/check-kernels.sh.
#include "emulator.h"
// The shared header at global scope first: inside the namespaces below its #pragma once then skips it, so the
// kernel files all use this one copy.
#include "../block_reduce.cuh"

namespace elementwise {
#include "../elementwise.cu"
}
namespace reduce {
#include "../reduce.cu"
}
namespace softmax {
#include "../softmax.cu"
}
namespace dafl {
#include "../dafl.cu"
}
namespace pool {
#include "../pool.cu"
}
namespace optim {
#include "../optim.cu"
}
namespace random_cu {
#include "../random.cu"
}
namespace norm {
#include "../norm.cu"
}

#include <array>
#include <chrono>
#include <numeric>
#include <random>
#include <string>

using emulator::launch;
using Floats = std::vector<float>;
using Shape = std::vector<long long>;

// ---------------------------------------------------------------- a very small test runner

static int passed = 0, failed = 0, checks = 0;
static std::string current_test;
static bool current_ok = true;

static void report(const std::string& what)
{
    if (current_ok) std::printf("FAIL %s\n", current_test.c_str());
    std::printf("     %s\n", what.c_str());
    current_ok = false;
}

static void run(const std::string& name, const std::function<void()>& body)
{
    current_test = name;
    current_ok = true;
    int before = checks;
    auto start = std::chrono::steady_clock::now();
    body();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s %s: %d checks, %.1f s\n", current_ok ? "ok  " : "FAIL", name.c_str(), checks - before, seconds);
    if (current_ok) passed++;
    else failed++;
}

static bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0 || (a != a && b != b); }

static void expect_exact(const Floats& got, const Floats& want, const std::string& what)
{
    checks++;
    if (got.size() != want.size()) return report(what + ": sizes differ");
    for (size_t i = 0; i < got.size(); i++)
        if (!same_bits(got[i], want[i]))
            return report(what + ": element " + std::to_string(i) + " is " + std::to_string(got[i]) + ", expected " + std::to_string(want[i]));
}

static void expect_close(const Floats& got, const std::vector<double>& want, double tolerance, const std::string& what)
{
    checks++;
    if (got.size() != want.size()) return report(what + ": sizes differ");
    for (size_t i = 0; i < got.size(); i++)
    {
        bool both_nan = got[i] != got[i] && want[i] != want[i];
        if (!both_nan && !(std::fabs(got[i] - want[i]) <= tolerance * (1.0 + std::fabs(want[i]))))
            return report(what + ": element " + std::to_string(i) + " is " + std::to_string(got[i]) + ", expected " + std::to_string(want[i]));
    }
}

static void expect(bool ok, const std::string& what)
{
    checks++;
    if (!ok) report(what);
}

static Floats random_floats(size_t n, unsigned seed, float low = -3.0f, float high = 3.0f)
{
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(low, high);
    Floats v(n);
    for (auto& x : v) x = dist(gen);
    return v;
}

static long long numel(const Shape& s) { return std::accumulate(s.begin(), s.end(), 1LL, std::multiplies<long long>()); }

// (grid, block) pairs each 1-D kernel is run with: small grids force the grid-stride loops to wrap.
static const std::vector<std::pair<unsigned, unsigned>> launch_shapes = {{1, 32}, {3, 64}, {2, 256}, {64, 128}};

// ---------------------------------------------------------------- BroadcastLayout.Create, as in BroadcastLayout.cs

struct Layout
{
    std::vector<long long> sizes;
    std::vector<std::vector<long long>> strides;
};

static long long size_at(const Shape& shape, size_t d, size_t rank)
{
    long long i = (long long)d - (long long)(rank - shape.size());
    return i < 0 ? 1 : shape[(size_t)i];
}

static Layout create_layout(const Shape& shape, const std::vector<Shape>& operands)
{
    size_t rank = shape.size();
    std::vector<std::vector<long long>> full(operands.size(), std::vector<long long>(rank));
    for (size_t k = 0; k < operands.size(); k++)
    {
        long long stride = 1;
        for (long long d = (long long)rank - 1; d >= 0; d--)
        {
            long long size = size_at(operands[k], (size_t)d, rank);
            full[k][(size_t)d] = size == 1 ? 0 : stride;
            stride *= size;
        }
    }
    Layout layout;
    layout.strides.resize(operands.size());
    for (size_t d = 0; d < rank; d++)
    {
        if (shape[d] == 1) continue;
        bool merges = !layout.sizes.empty();
        for (size_t k = 0; k < operands.size() && merges; k++) merges = layout.strides[k].back() == full[k][d] * shape[d];
        if (merges)
        {
            layout.sizes.back() *= shape[d];
            for (size_t k = 0; k < operands.size(); k++) layout.strides[k].back() = full[k][d];
        }
        else
        {
            layout.sizes.push_back(shape[d]);
            for (size_t k = 0; k < operands.size(); k++) layout.strides[k].push_back(full[k][d]);
        }
    }
    return layout;
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

// NumPy broadcasting by full-rank coordinates: the definition, independent of the layout code.
static long long broadcast_offset(const Shape& out, const Shape& operand, long long flat)
{
    size_t rank = out.size();
    long long offset = 0, stride = 1;
    for (long long d = (long long)rank - 1; d >= 0; d--)
    {
        long long coordinate = flat % out[(size_t)d];
        flat /= out[(size_t)d];
        long long size = size_at(operand, (size_t)d, rank);
        if (size != 1) offset += coordinate * stride;
        stride *= size;
    }
    return offset;
}

// ---------------------------------------------------------------- elementwise.cu

static void elementwise_tests()
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

// ---------------------------------------------------------------- reduce.cu

static std::vector<double> widen(const Floats& v) { return std::vector<double>(v.begin(), v.end()); }

// the float result of (float)(scale · exact sum): a sum in float64 of float inputs is exact enough that the only
// difference between orders is in the last bits of the double, far below float's rounding
static float scaled_sum(const std::vector<double>& terms, double scale)
{
    long double s = 0;
    for (double t : terms) s += t;
    return (float)(scale * (double)s);
}

static void reduce_tests()
{
    using namespace reduce;
    // whole sums: two chunk lengths, grids smaller and larger than the chunk count; bits must not depend on the grid
    {
        const long long n = 200003;
        Floats x = random_floats((size_t)n, 31, -1.0f, 2.0f);
        float want = scaled_sum(widen(x), 0.5);
        for (long long chunk : {65536LL, 4099LL})
        {
            long long chunks = (n + chunk - 1) / chunk;
            float first = 0;
            for (unsigned grid : {1u, 3u, (unsigned)chunks})
            {
                std::vector<double> partials((size_t)chunks);
                launch(grid, 256, sum_chunks_f32, x.data(), partials.data(), n, chunk);
                Floats y(1);
                launch(1, 256, sum_finish_f64, (const double*)partials.data(), chunks, y.data(), 0.5);
                std::string at = " chunk " + std::to_string(chunk) + " grid " + std::to_string(grid);
                expect_close(y, {want}, 1e-7, "sum_chunks_f32 + sum_finish_f64" + at);
                if (grid == 1) first = y[0];
                else expect(same_bits(first, y[0]), "sum_chunks_f32: result depends on the grid" + at);
            }
        }
    }
    // rows: (O, R, 1)
    for (long long cols : {3LL, 1000LL})
    {
        const long long rows = 7;
        Floats x = random_floats((size_t)(rows * cols), 32);
        for (auto [grid, threads] : launch_shapes)
        {
            Floats y((size_t)rows);
            launch(grid, threads, sum_rows_f32, x.data(), y.data(), rows, cols, 2.0f);
            std::vector<double> want((size_t)rows);
            for (long long r = 0; r < rows; r++)
                want[(size_t)r] = scaled_sum(std::vector<double>(x.begin() + r * cols, x.begin() + (r + 1) * cols), 2.0);
            expect_close(y, want, 1e-7, "sum_rows_f32 cols " + std::to_string(cols) + " block " + std::to_string(threads));
        }
    }
    // columns: (O, R, I), I > 1
    for (auto [outer, red, inner] : std::vector<std::array<long long, 3>>{{3, 37, 70}, {1, 512, 10}, {2, 5, 33}})
    {
        Floats x = random_floats((size_t)(outer * red * inner), 33);
        for (auto grid : std::vector<dim3>{dim3(1, 1), dim3(2, 2), dim3(3, 3)})
        {
            Floats y((size_t)(outer * inner));
            launch(grid, dim3(32, 8), sum_columns_f32, x.data(), y.data(), outer, red, inner, 1.0f);
            std::vector<double> want((size_t)(outer * inner));
            for (long long o = 0; o < outer; o++)
                for (long long i = 0; i < inner; i++)
                {
                    std::vector<double> terms;
                    for (long long r = 0; r < red; r++) terms.push_back(x[(size_t)((o * red + r) * inner + i)]);
                    want[(size_t)(o * inner + i)] = scaled_sum(terms, 1.0);
                }
            expect_close(y, want, 1e-7, "sum_columns_f32 (" + std::to_string(outer) + ", " + std::to_string(red) + ", " + std::to_string(inner) + ") grid " + std::to_string(grid.x));
        }
    }
    // (R, K, R) in two passes: inner below and above the block size; chunks smaller than, equal to and larger
    // than a block's stride; grids smaller than the (chunks, kept) work so both axes wrap.
    for (auto [outer, kept, inner] : std::vector<std::array<long long, 3>>{{5, 6, 7}, {3, 4, 300}, {2, 3, 256}, {9, 2, 1000}})
        for (long long chunk : {100LL, 256LL, 16384LL})
        {
            Floats x = random_floats((size_t)(outer * kept * inner), 34);
            long long chunks = (outer * inner + chunk - 1) / chunk;
            std::vector<double> want((size_t)kept);
            for (long long k = 0; k < kept; k++)
            {
                std::vector<double> terms;
                for (long long a = 0; a < outer; a++)
                    for (long long b = 0; b < inner; b++) terms.push_back(x[(size_t)((a * kept + k) * inner + b)]);
                want[(size_t)k] = scaled_sum(terms, 1.0);
            }
            for (dim3 grid : {dim3(1, 1), dim3(3, 1), dim3(1, 2), dim3(64, 8)})
            {
                std::vector<double> partials((size_t)(kept * chunks), std::nan(""));
                Floats y((size_t)kept);
                launch(grid, 256, sum_reduce_keep_reduce_chunks_f32, x.data(), partials.data(), outer, kept, inner, chunk);
                launch(dim3(2), 32, sum_partial_rows_f64, (const double*)partials.data(), y.data(), kept, chunks, 1.0);
                expect_close(y, want, 1e-7, "sum_reduce_keep_reduce_chunks_f32 + sum_partial_rows_f64 inner " + std::to_string(inner) +
                                                " chunk " + std::to_string(chunk) + " grid " + std::to_string(grid.x) + "x" + std::to_string(grid.y));
            }
        }
    // generic: x (2, 3, 4, 5) → y (3, 1, 5), i.e. K/R alternating four runs; and (2, 3, 4, 5) → (2, 1, 4, 1)
    for (auto [x_shape, y_shape] : std::vector<std::pair<Shape, Shape>>{{{2, 3, 4, 5}, {3, 1, 5}}, {{2, 3, 4, 5}, {2, 1, 4, 1}}, {{3, 2, 2, 3, 2}, {3, 1, 2, 1, 2}}})
    {
        Floats x = random_floats((size_t)numel(x_shape), 35);
        Layout layout = create_layout(x_shape, {y_shape});
        ReduceLayout kl{};
        kl.rank = (int)layout.sizes.size();
        for (size_t d = 0; d < layout.sizes.size(); d++)
        {
            kl.sizes[d] = layout.sizes[d];
            kl.y_strides[d] = layout.strides[0][d];
        }
        long long out_count = numel(y_shape);
        // the CPU's SumGeneric: one pass over x in order, adding each element into its output slot in float64
        std::vector<double> acc((size_t)out_count, 0.0);
        for (long long i = 0; i < numel(x_shape); i++) acc[(size_t)broadcast_offset(x_shape, y_shape, i)] += x[(size_t)i];
        Floats want((size_t)out_count);
        for (size_t j = 0; j < want.size(); j++) want[j] = (float)(3.0 * acc[j]);
        for (auto [grid, threads] : launch_shapes)
        {
            Floats y((size_t)out_count);
            launch(grid, threads, sum_generic_f32, x.data(), y.data(), kl, out_count, 3.0f);
            expect_exact(y, want, "sum_generic_f32 merged rank " + std::to_string(kl.rank) + " block " + std::to_string(threads));
        }
    }
    // argmax along the middle of (3, 5, 4): ties keep the first, NaN wins and stops the scan
    {
        Floats x = random_floats(60, 36);
        x[1 * 4 + 2] = 9.0f; // o = 0, j = 1, i = 2
        x[3 * 4 + 2] = 9.0f; // a later tie
        x[20 + 2 * 4 + 1] = std::nanf(""); // o = 1, j = 2, i = 1
        x[20 + 4 * 4 + 1] = 50.0f;
        for (auto [grid, threads] : launch_shapes)
        {
            Floats y(12), want(12);
            launch(grid, threads, argmax_f32, x.data(), y.data(), 3LL, 5LL, 4LL);
            for (long long p = 0; p < 12; p++)
            {
                const float* v = x.data() + p / 4 * 20 + p % 4;
                long long best = 0;
                float max = v[0];
                for (long long j = 1; j < 5 && max == max; j++)
                    if (v[j * 4] > max || v[j * 4] != v[j * 4])
                    {
                        max = v[j * 4];
                        best = j;
                    }
                want[(size_t)p] = (float)best;
            }
            expect_exact(y, want, "argmax_f32 block " + std::to_string(threads));
            expect(y[2] == 1.0f && y[5] == 2.0f, "argmax_f32: first maximum / NaN rule");
        }
    }
}

// ---------------------------------------------------------------- softmax.cu

static std::vector<double> softmax_row(const float* x, long long n, double scale = 1.0)
{
    double m = -INFINITY;
    for (long long j = 0; j < n; j++) m = std::max(m, scale * x[j]);
    double s = 0;
    for (long long j = 0; j < n; j++) s += std::exp(scale * x[j] - m);
    std::vector<double> p((size_t)n);
    for (long long j = 0; j < n; j++) p[(size_t)j] = std::exp(scale * x[j] - m) / s;
    return p;
}

static void softmax_tests()
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

// ---------------------------------------------------------------- dafl.cu

static void dafl_tests()
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

// ---------------------------------------------------------------- pool.cu

static void pool_tests()
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

// ---------------------------------------------------------------- optim.cu

static void optim_tests()
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
}

// ---------------------------------------------------------------- norm.cu

static void norm_tests()
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
}

// ---------------------------------------------------------------- random.cu

// Philox.cs, transcribed: Block with the full counter, Bits, ToUniform, ToNormal.
static std::array<uint32_t, 4> philox_reference(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1)
{
    uint32_t x0 = c0, x1 = c1, x2 = c2, x3 = c3;
    for (int round = 0; round < 10; round++)
    {
        uint64_t p0 = (uint64_t)0xD2511F53u * x0, p1 = (uint64_t)0xCD9E8D57u * x2;
        uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0, hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
        uint32_t n0 = hi1 ^ x1 ^ k0, n1 = lo1, n2 = hi0 ^ x3 ^ k1, n3 = lo0;
        x0 = n0;
        x1 = n1;
        x2 = n2;
        x3 = n3;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    return {x0, x1, x2, x3};
}

static uint32_t bits_reference(uint64_t seed, uint64_t offset, long long i, uint32_t& pair)
{
    uint64_t counter = offset + (uint64_t)(i >> 2);
    auto w = philox_reference((uint32_t)counter, (uint32_t)(counter >> 32), 0, 0, (uint32_t)seed, (uint32_t)(seed >> 32));
    static const int partner[4] = {1, 0, 3, 2};
    pair = w[(size_t)partner[i & 3]];
    return w[(size_t)(i & 3)];
}

static void random_tests()
{
    using namespace random_cu;
    // Random123 known answers (as in PhiloxTests.cs) for the reference, and the kernel's block on the first one
    {
        auto w = philox_reference(0, 0, 0, 0, 0, 0);
        expect(w == std::array<uint32_t, 4>{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}, "Philox reference: known answer 1");
        w = philox_reference(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu);
        expect(w == std::array<uint32_t, 4>{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}, "Philox reference: known answer 2");
        w = philox_reference(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u);
        expect(w == std::array<uint32_t, 4>{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}, "Philox reference: known answer 3");
        uint4 k = philox_block(0, 0);
        expect(k.x == 0x6627e8d5u && k.y == 0xe169c58du && k.z == 0xbc57ac4cu && k.w == 0x9b00dbd8u, "philox_block: known answer 1");
    }
    // seeds and offsets with both 32-bit halves in use; n not a multiple of 4
    for (auto [seed, offset] : std::vector<std::pair<uint64_t, uint64_t>>{{42, 0}, {0x123456789abcdefULL, 0xfffffffeULL}, {7, 1000}})
        for (long long n : {1LL, 6LL, 1001LL})
        {
            Floats want_u((size_t)n), want_n((size_t)n);
            for (long long i = 0; i < n; i++)
            {
                uint32_t pair, word = bits_reference(seed, offset, i, pair);
                want_u[(size_t)i] = (float)(word >> 8) * (1.0f / 16777216.0f);
                bool even = (i & 1) == 0;
                uint32_t w1 = even ? word : pair, w2 = even ? pair : word;
                double u1 = (w1 + 0.5) * (1.0 / 4294967296.0);
                double theta = 2.0 * M_PI * (w2 * (1.0 / 4294967296.0));
                double r = std::sqrt(-2.0 * std::log(u1));
                want_n[(size_t)i] = (float)(even ? r * std::cos(theta) : r * std::sin(theta));
            }
            for (auto [grid, threads] : launch_shapes)
            {
                std::string at = " seed " + std::to_string(seed) + " offset " + std::to_string(offset) + " n " + std::to_string(n) + " block " + std::to_string(threads);
                Floats y((size_t)n + 1, -7.0f), guard((size_t)n + 1, -7.0f);
                launch(grid, threads, philox_uniform_f32, y.data(), n, seed, offset);
                std::copy(want_u.begin(), want_u.end(), guard.begin());
                expect_exact(y, guard, "philox_uniform_f32" + at);
                std::fill(y.begin(), y.end(), -7.0f);
                launch(grid, threads, philox_normal_f32, y.data(), n, seed, offset);
                expect(y[(size_t)n] == -7.0f, "philox_normal_f32 wrote past n" + at);
                y.pop_back();
                expect_close(y, std::vector<double>(want_n.begin(), want_n.end()), 1e-7, "philox_normal_f32" + at);
            }
        }
}

int main()
{
    for (auto order : {emulator::Order::WarpsAscending, emulator::Order::WarpsDescending})
    {
        emulator::order = order;
        std::string suffix = order == emulator::Order::WarpsAscending ? " (warps ascending)" : " (warps descending)";
        run("elementwise.cu" + suffix, elementwise_tests);
        run("reduce.cu" + suffix, reduce_tests);
        run("softmax.cu" + suffix, softmax_tests);
        run("dafl.cu" + suffix, dafl_tests);
        run("pool.cu" + suffix, pool_tests);
        run("optim.cu" + suffix, optim_tests);
        run("random.cu" + suffix, random_tests);
        run("norm.cu" + suffix, norm_tests);
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
