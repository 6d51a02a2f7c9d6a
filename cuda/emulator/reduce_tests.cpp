// reduce_tests.cpp: the kernels of cuda/reduce.cu in the emulator against reference loops that follow the C# CPU backend
// (see kernel_tests.cpp for the scheme).
#include "test_support.h"

namespace reduce
{
#include "../reduce.cu"
}

static std::vector<double> widen(const Floats& v) { return std::vector<double>(v.begin(), v.end()); }

void reduce_tests()
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
