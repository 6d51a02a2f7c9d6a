// reduce.cu: sums (SumTo, and so Sum/Mean over everything or along dimensions) and argmax.
//
// Mirrors src/DafL/Backends/Cpu/CpuBackend.Reduce.cs (SumTo, Argmax; Expand is expand_f32 in elementwise.cu);
// contract in IBackend.Reduce.cs. SumTo's host code collapses the reduction with BroadcastLayout.Create(x.Shape,
// y.Shape) exactly as the CPU does and picks the kernel for the pattern:
//   no reduced run         → affine_f32 (elementwise.cu) with a = scale, b = 0
//   x empty                → fill_f32 with 0·scale
//   (O, R, I), I = O = 1   → sum_chunks_f32 then sum_finish_f64 (whole-tensor sum or mean)
//   (O, R, 1)              → sum_rows_f32       (Sum(x, -1): one block per row)
//   (O, R, I), I > 1       → sum_columns_f32    (bias gradients: a (32, 8) tile of columns × row slices)
//   (R, K, R)              → sum_reduce_keep_reduce_chunks_f32 then sum_partial_rows_f64 (per-channel sums
//                            over (N, C, H·W), in two passes)
//   anything else          → sum_generic_f32    (one thread per output, reduced dimensions in x's order)
// Kernels:
//   sum_chunks_f32             (x, partials, n, chunk)              partials[c] = Σ x[c·chunk, (c+1)·chunk) in f64
//   sum_finish_f64             (partials, count, y, scale)          y[0] = (float)(scale · Σ partials) (one block)
//   sum_rows_f32               (x, y, rows, cols, scale)            y[r] = scale · Σ_j x[r, j]
//   sum_columns_f32            (x, y, outer, reduce, inner, scale)  y[o, i] = scale · Σ_r x[o, r, i]
//   sum_reduce_keep_reduce_chunks_f32 (x, partials, outer, kept, inner, chunk)
//                                                                   partials[k, c] = Σ over chunk c of x[a, k, b]
//   sum_partial_rows_f64       (partials, y, rows, count, scale)    y[r] = (float)(scale · Σ_c partials[r, c])
//   sum_generic_f32            (x, y, layout, out_count, scale)     y[j] = scale · Σ over the reduced coordinates
//   argmax_f32                 (x, y, outer, size, inner)           y[o, i] = first argmax_j x[o, j, i] (NaN wins)
// sum_finish_f64 also closes the loss kernels of softmax.cu and dafl.cu, which write f64 partials.
//
// Determinism: every sum accumulates in float64 (as the CPU does) and is reduced by a fixed tree: each thread
// adds a fixed, strided subset in order, then warps combine by shuffles in a fixed pattern, then warp results
// in warp order. No float atomics. A result depends only on the inputs, the block size and (for
// sum_chunks_f32) the chunk length, never on the grid size or on scheduling: every kernel loops over its work
// items (rows, chunks, column tiles) with a grid stride and each item is reduced by one block. The CUDA backend
// keeps block size and chunk as constants (below) so that a run repeats bit for bit on any GPU.
//
// Launch:
//   sum_chunks_f32             1-D blocks of SUM_THREADS (256; any multiple of 32 up to 256 works, the sums
//                              depend on it); any grid (ceil(n / chunk) blocks, chunk = 65536)
//   sum_finish_f64             exactly one block of SUM_THREADS (256)
//   sum_rows_f32               1-D blocks, a multiple of 32 up to 1024 threads (the backend uses
//                              min(256, cols rounded up to 32)); any grid (rows blocks)
//   sum_columns_f32            blocks of exactly (32, 8); grid (ceil(inner / 32), min(outer, 65535)), any
//                              smaller grid also works
//   sum_reduce_keep_reduce_chunks_f32  1-D blocks of SUM_THREADS (256, or a smaller multiple of 32); any grid
//                              ((chunks, min(kept, 65535)) blocks; chunk = 16384, results depend on it)
//   sum_partial_rows_f64       any 1-D blocks and grid (one thread per row)
//   sum_generic_f32            any 1-D blocks and grid (one thread per output element)
//   argmax_f32                 any 1-D blocks and grid (one thread per output element)
// Shared memory: static only (at most 2 KiB). Loads are scalar and coalesced across a warp.
//
// The generic layout (BroadcastLayout.Create(x.Shape, y.Shape), operand 0 = y): sequential struct of int64,
// 136 bytes, 8-byte aligned: long sizes[8]; long y_strides[8]; int rank; int unused_padding;
// y_strides[d] = 0 marks a reduced dimension; x is contiguous over sizes.

#include "common.cuh"

#define SUM_THREADS 256
#define COLUMN_TILE 32
#define COLUMN_SLICES 8

// shapes: x (n) → partials (ceil(n / chunk)) as float64
extern "C" __global__ void __launch_bounds__(SUM_THREADS) sum_chunks_f32(const float* x, double* partials, long long n, long long chunk)
{
    __shared__ double scratch[32];
    long long chunks = (n + chunk - 1) / chunk;
    for (long long c = blockIdx.x; c < chunks; c += gridDim.x)
    {
        long long end = min(n, (c + 1) * chunk);
        double s = 0.0;
        for (long long i = c * chunk + threadIdx.x; i < end; i += blockDim.x) s += x[i];
        s = block_sum(s, scratch);
        if (threadIdx.x == 0) partials[c] = s;
    }
}

// shapes: partials (count) as float64 → y (1)
extern "C" __global__ void __launch_bounds__(SUM_THREADS) sum_finish_f64(const double* partials, long long count, float* y, double scale)
{
    __shared__ double scratch[32];
    double s = 0.0;
    for (long long i = threadIdx.x; i < count; i += blockDim.x) s += partials[i];
    s = block_sum(s, scratch);
    if (threadIdx.x == 0) y[0] = (float)(scale * s);
}

// shapes: x (rows, cols) → y (rows)
extern "C" __global__ void sum_rows_f32(const float* x, float* y, long long rows, long long cols, float scale)
{
    __shared__ double scratch[32];
    for (long long r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const float* row = x + r * cols;
        double s = 0.0;
        for (long long j = threadIdx.x; j < cols; j += blockDim.x) s += row[j];
        s = block_sum(s, scratch);
        if (threadIdx.x == 0) y[r] = (float)(scale * s);
    }
}

// shapes: x (outer, reduce, inner) → y (outer, inner)
// threadIdx.x picks a column of a 32-wide tile (coalesced loads), threadIdx.y a slice of the reduced rows
// (r ≡ threadIdx.y mod 8); the 8 slice sums are then added in slice order by the tile's first row of threads.
extern "C" __global__ void __launch_bounds__(COLUMN_TILE * COLUMN_SLICES) sum_columns_f32(const float* x, float* y, long long outer, long long reduce, long long inner, float scale)
{
    __shared__ double slices[COLUMN_SLICES][COLUMN_TILE];
    long long tiles = (inner + COLUMN_TILE - 1) / COLUMN_TILE;
    for (long long o = blockIdx.y; o < outer; o += gridDim.y)
        for (long long tile = blockIdx.x; tile < tiles; tile += gridDim.x)
        {
            long long i = tile * COLUMN_TILE + threadIdx.x;
            double s = 0.0;
            if (i < inner)
                for (long long r = threadIdx.y; r < reduce; r += COLUMN_SLICES) s += x[(o * reduce + r) * inner + i];
            __syncthreads(); // the previous tile may still be reading slices
            slices[threadIdx.y][threadIdx.x] = s;
            __syncthreads();
            if (threadIdx.y == 0 && i < inner)
            {
                double total = 0.0;
                for (int k = 0; k < COLUMN_SLICES; k++) total += slices[k][threadIdx.x];
                y[o * inner + i] = (float)(scale * total);
            }
        }
}

// shapes: x (outer, kept, inner) → partials (kept, chunks) as float64, chunks = ceil(outer·inner / chunk)
// Pass 1 of the per-channel sum (batch norm's and the bias's gradients: (N, C, H·W) summed to (C)). Each block
// owns one (chunk c, kept k) pair at a time: the pairs (a, b) of k's reduced coordinates are numbered in row-major
// order, and the block sums numbers [c·chunk, (c+1)·chunk), thread t taking t, t + blockDim, …
// (for_each_in_kept_chunk, common.cuh).
// A grid of (chunks, kept) blocks fills the GPU even when kept is small (a generator's 8 or 16 channels): one
// block per channel, as before, left all but a few SMs idle on batch 512. Any grid works (both axes stride).
extern "C" __global__ void __launch_bounds__(SUM_THREADS) sum_reduce_keep_reduce_chunks_f32(const float* x, double* partials, long long outer, long long kept, long long inner, long long chunk)
{
    __shared__ double scratch[32];
    long long pairs = outer * inner, chunks = (pairs + chunk - 1) / chunk;
    for (long long k = blockIdx.y; k < kept; k += gridDim.y)
        for (long long c = blockIdx.x; c < chunks; c += gridDim.x)
        {
            long long first = c * chunk + threadIdx.x, end = min(pairs, (c + 1) * chunk);
            double s = 0.0;
            for_each_in_kept_chunk(first, end, kept, k, inner, [&](long long i) { s += x[i]; });
            s = block_sum(s, scratch);
            if (threadIdx.x == 0) partials[k * chunks + c] = s;
        }
}

// shapes: partials (rows, count) as float64 → y (rows)
// Pass 2: y[r] = (float)(scale · Σ_c partials[r, c]), each row added by one thread in chunk order.
extern "C" __global__ void sum_partial_rows_f64(const double* partials, float* y, long long rows, long long count, double scale)
{
    for (long long r = thread_index(); r < rows; r += grid_stride())
    {
        double s = 0.0;
        for (long long c = 0; c < count; c++) s += partials[r * count + c];
        y[r] = (float)(scale * s);
    }
}

struct ReduceLayout
{
    long long sizes[MAX_DIMS];
    long long y_strides[MAX_DIMS];
    int rank;
    int unused_padding;
};

// shapes: x (layout.sizes…) contiguous → y (the kept dimensions) contiguous
// Thread j finds its kept coordinates from y's strides, then walks the reduced coordinates like an odometer,
// innermost fastest: the same order in which the CPU adds x into y[j], so the float64 sum is the CPU's.
// The loops are unrolled over MAX_DIMS so that the layout is read at constant indices (no local-memory copy).
extern "C" __global__ void sum_generic_f32(const float* x, float* y, ReduceLayout layout, long long out_count, float scale)
{
    for (long long j = thread_index(); j < out_count; j += grid_stride())
    {
        // x's contiguous strides, and the start of output j's elements in x
        long long x_strides[MAX_DIMS], coordinate[MAX_DIMS];
        long long stride = 1, start = 0, count = 1;
#pragma unroll
        for (int d = MAX_DIMS - 1; d >= 0; d--)
        {
            x_strides[d] = stride;
            coordinate[d] = 0;
            if (d >= layout.rank) continue;
            stride *= layout.sizes[d];
            if (layout.y_strides[d] != 0) start += (j / layout.y_strides[d] % layout.sizes[d]) * x_strides[d];
            else count *= layout.sizes[d];
        }
        double s = 0.0;
        long long offset = start;
        for (long long n = 0; n < count; n++)
        {
            s += x[offset];
            // next reduced coordinate: carry from the innermost reduced dimension outwards
            bool carry = true;
#pragma unroll
            for (int d = MAX_DIMS - 1; d >= 0; d--)
            {
                if (!carry || d >= layout.rank || layout.y_strides[d] != 0) continue;
                offset += x_strides[d];
                carry = ++coordinate[d] == layout.sizes[d];
                if (carry)
                {
                    offset -= x_strides[d] * layout.sizes[d];
                    coordinate[d] = 0;
                }
            }
        }
        y[j] = (float)(scale * s);
    }
}

// shapes: x (outer, size, inner) → y (outer, inner), indices as floats
// The CPU's scan: the first maximum wins, and the first NaN wins and ends the scan (PyTorch's rule).
extern "C" __global__ void argmax_f32(const float* x, float* y, long long outer, long long size, long long inner)
{
    for (long long p = thread_index(); p < outer * inner; p += grid_stride())
    {
        const float* v = x + p / inner * size * inner + p % inner;
        long long best = 0;
        float max = v[0];
        for (long long j = 1; j < size && max == max; j++)
        {
            float e = v[j * inner];
            if (e > max || e != e)
            {
                max = e;
                best = j;
            }
        }
        y[p] = (float)best;
    }
}
