// test_support.h: what every kernel test file of the emulator (cuda/emulator/*_tests.cpp) shares: a very small test
// runner (main in kernel_tests.cpp runs each family at both warp orders), exact and tolerant comparisons, random
// inputs, the launch shapes, and the host mirror of BroadcastLayout.Create. Each test file compiles one kernel file
// of cuda/ in a namespace of its own (its file-local helpers cannot collide); the shared device header is included
// here first, at global scope, so that its #pragma once makes every kernel file use this one copy.
#pragma once

#include "emulator.h"
#include "../common.cuh"

#include <array>
#include <chrono>
#include <cstring>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using emulator::launch;
using Floats = std::vector<float>;
using Shape = std::vector<long long>;

// ---------------------------------------------------------------- a very small test runner

inline int passed = 0, failed = 0, checks = 0;
inline std::string current_test;
inline bool current_ok = true;

inline void report(const std::string& what)
{
    if (current_ok) std::printf("FAIL %s\n", current_test.c_str());
    std::printf("     %s\n", what.c_str());
    current_ok = false;
}

inline void run(const std::string& name, const std::function<void()>& body)
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

inline bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0 || (a != a && b != b); }

inline void expect_exact(const Floats& got, const Floats& want, const std::string& what)
{
    checks++;
    if (got.size() != want.size()) return report(what + ": sizes differ");
    for (size_t i = 0; i < got.size(); i++)
        if (!same_bits(got[i], want[i]))
            return report(what + ": element " + std::to_string(i) + " is " + std::to_string(got[i]) + ", expected " + std::to_string(want[i]));
}

inline void expect_close(const Floats& got, const std::vector<double>& want, double tolerance, const std::string& what)
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

inline void expect(bool ok, const std::string& what)
{
    checks++;
    if (!ok) report(what);
}

inline Floats random_floats(size_t n, unsigned seed, float low = -3.0f, float high = 3.0f)
{
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(low, high);
    Floats v(n);
    for (auto& x : v) x = dist(gen);
    return v;
}

inline long long numel(const Shape& s) { return std::accumulate(s.begin(), s.end(), 1LL, std::multiplies<long long>()); }

// (grid, block) pairs each 1-D kernel is run with: small grids force the grid-stride loops to wrap.
inline const std::vector<std::pair<unsigned, unsigned>> launch_shapes = {{1, 32}, {3, 64}, {2, 256}, {64, 128}};

// ---------------------------------------------------------------- BroadcastLayout.Create, as in BroadcastLayout.cs

struct Layout
{
    std::vector<long long> sizes;
    std::vector<std::vector<long long>> strides;
};

inline long long size_at(const Shape& shape, size_t d, size_t rank)
{
    long long i = (long long)d - (long long)(rank - shape.size());
    return i < 0 ? 1 : shape[(size_t)i];
}

inline Layout create_layout(const Shape& shape, const std::vector<Shape>& operands)
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


// NumPy broadcasting by full-rank coordinates: the definition, independent of the layout code.
inline long long broadcast_offset(const Shape& out, const Shape& operand, long long flat)
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

// Reference results that several families check against (reduce, softmax, dafl).

// the float result of (float)(scale · exact sum): a sum in float64 of float inputs is exact enough that the only
// difference between orders is in the last bits of the double, far below float's rounding
inline float scaled_sum(const std::vector<double>& terms, double scale)
{
    long double s = 0;
    for (double t : terms) s += t;
    return (float)(scale * (double)s);
}

inline std::vector<double> softmax_row(const float* x, long long n, double scale = 1.0)
{
    double m = -INFINITY;
    for (long long j = 0; j < n; j++) m = std::max(m, scale * x[j]);
    double s = 0;
    for (long long j = 0; j < n; j++) s += std::exp(scale * x[j] - m);
    std::vector<double> p((size_t)n);
    for (long long j = 0; j < n; j++) p[(size_t)j] = std::exp(scale * x[j] - m) / s;
    return p;
}

// The float64 partial-sum finisher of reduce.cu, which the softmax and dafl tests use to finish their losses:
// declared here, defined (compiled) once, by reduce_tests.cpp.
namespace reduce
{
extern "C" void sum_finish_f64(const double* partials, long long count, float* y, double scale);
}

// One test family a kernel file: each runs every kernel of its file at several launch shapes.
void elementwise_tests();
void reduce_tests();
void softmax_tests();
void dafl_tests();
void pool_tests();
void optim_tests();
void norm_tests();
void random_tests();
