// dafl.cu: DAFL's generator losses on the teacher's outputs, fused (Chen et al., ICCV 2019).
//
// Mirrors src/DafL/Backends/Cpu/CpuBackend.Dafl.cs; contract in IBackend.Dafl.cs; formulas and their sources in
// src/DafL/Ops/Functional.Dafl.cs. The op folds the log base and the optional 1/K into `scale`
// (scale = (divideByK ? 1/K : 1) / ln b), and the activation loss's sign and divisor into its `scale`
// (−1/(N·D) for the mean, −1/N for the per-sample L1 norm).
// Kernels:
//   information_entropy_chunks_f32   (logits, partials, rows, classes)
//       partials[c, k] = Σ_{i in chunk c} softmax(logits_i)_k in float64, chunks of ENTROPY_CHUNK_ROWS rows
//   information_entropy_finish_f32   (partials, chunks, rows, classes, loss?, g_log_mean?, scale)
//       p̄_k = Σ_c partials[c, k] / rows; loss = scale·Σ_k p̄_k ln p̄_k (0·ln 0 = 0);
//       g_log_mean[k] = scale·ln p̄_k (0 where p̄_k = 0), the backward's per-class weight
//   information_entropy_backward_f32 (logits, g_log_mean, g_loss, g_logits, rows, classes)
//       g_logits[i, j] = (p_ij·(g_j − Σ_k p_ik·g_k))·(g_loss / rows)
//   abs_sum_chunks_f32               (x, partials, n, chunk)       partials[c] = Σ |x| over chunk c, float64
//   abs_sum_backward_f32             (x, g_loss, gx, n, scale)     gx = (g_loss·scale)·sign x (0 at 0)
// Host sequences:
//   InformationEntropy         = information_entropy_chunks_f32, then information_entropy_finish_f32 with
//                                loss set and g_log_mean null
//   InformationEntropyBackward = information_entropy_chunks_f32, information_entropy_finish_f32 with loss null
//                                and g_log_mean a (classes) float buffer, then information_entropy_backward_f32
//                                (the CPU too recomputes p̄ in the backward rather than keep it alive)
//   AbsSum (ActivationLoss)    = abs_sum_chunks_f32, then sum_finish_f64 (reduce.cu) with (double)scale
//   AbsSumBackward             = abs_sum_backward_f32
//
// Numerics, as on the CPU: each row's softmax is max-subtracted, p = e·(float)(1/Σe) with Σe in float64;
// p̄ and every loss sum accumulate in float64; the max propagates NaN. No float atomics: each chunk of rows is
// summed by one block in a fixed order, chunks are added in chunk order, and block sums use a fixed
// shuffle tree, so results repeat bit for bit whatever the grid.
//
// Launch:
//   information_entropy_chunks_f32   1-D blocks of ENTROPY_THREADS (256) threads (any multiple of 32 up to
//                                    256 works; the sums depend on it); any grid (ceil(rows / 64) blocks);
//                                    the chunk length is fixed here, so partials has ceil(rows / 64)·classes
//                                    doubles
//   information_entropy_finish_f32   exactly one block of ENTROPY_THREADS (256) threads
//   information_entropy_backward_f32 1-D blocks, a multiple of 32 up to 1024 threads (the backend uses
//                                    min(256, classes rounded up to 32)); any grid (rows blocks)
//   abs_sum_chunks_f32               1-D blocks, a multiple of 32 up to 1024 (the backend uses 256); any grid
//                                    (ceil(n / chunk) blocks, chunk = 65536)
//   abs_sum_backward_f32             any 1-D blocks and grid
// Shared memory: static only (at most 512 bytes).

#include "common.cuh"

#define ENTROPY_THREADS 256
#define ENTROPY_CHUNK_ROWS 64

// ---------------------------------------------------------------- information entropy

// shapes: logits (rows, classes) → partials (ceil(rows / 64), classes) as float64
// Phase 1: each warp takes rows of the chunk in turn and finds their max and 1/Σe (warp shuffles).
// Phase 2: thread k adds p_ik over the chunk's rows in row order (loads coalesced along k).
extern "C" __global__ void __launch_bounds__(ENTROPY_THREADS) information_entropy_chunks_f32(const float* logits, double* partials, long long rows, long long classes)
{
    __shared__ float row_max[ENTROPY_CHUNK_ROWS];
    __shared__ float row_inv_sum[ENTROPY_CHUNK_ROWS];
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    long long chunks = (rows + ENTROPY_CHUNK_ROWS - 1) / ENTROPY_CHUNK_ROWS;
    for (long long c = blockIdx.x; c < chunks; c += gridDim.x)
    {
        long long first = c * ENTROPY_CHUNK_ROWS;
        int count = (int)min((long long)ENTROPY_CHUNK_ROWS, rows - first);
        __syncthreads(); // the previous chunk's phase 2 may still be reading the row statistics
        for (int k = warp; k < count; k += warps)
        {
            const float* row = logits + (first + k) * classes;
            float m = negative_infinity();
            for (long long j = lane; j < classes; j += 32) m = max_propagate(m, row[j]);
            m = warp_max(m);
            double s = 0.0;
            for (long long j = lane; j < classes; j += 32) s += expf(row[j] - m);
            s = warp_sum(s);
            if (lane == 0)
            {
                row_max[k] = m;
                row_inv_sum[k] = (float)(1.0 / s);
            }
        }
        __syncthreads();
        for (long long j = threadIdx.x; j < classes; j += blockDim.x)
        {
            double s = 0.0;
            for (int k = 0; k < count; k++) s += expf(logits[(first + k) * classes + j] - row_max[k]) * row_inv_sum[k];
            partials[c * classes + j] = s;
        }
    }
}

// shapes: partials (chunks, classes) as float64 → loss (1) and/or g_log_mean (classes); either may be null
extern "C" __global__ void __launch_bounds__(ENTROPY_THREADS) information_entropy_finish_f32(const double* partials, long long chunks, long long rows, long long classes, float* loss, float* g_log_mean, float scale)
{
    __shared__ double sums[32];
    double total = 0.0;
    for (long long k = threadIdx.x; k < classes; k += blockDim.x)
    {
        double mean = 0.0;
        for (long long c = 0; c < chunks; c++) mean += partials[c * classes + k];
        mean /= (double)rows;
        if (mean > 0.0) total += mean * log(mean); // 0·ln 0 = 0
        if (g_log_mean) g_log_mean[k] = mean > 0.0 ? (float)(scale * log(mean)) : 0.0f;
    }
    total = block_sum(total, sums);
    if (loss && threadIdx.x == 0) loss[0] = (float)(scale * total);
}

// shapes: logits, g_logits (rows, classes), g_log_mean (classes), g_loss (1)
// L = scale·Σ p̄ ln p̄ ⇒ ∂L/∂p_ik = (scale/N)(ln p̄_k + 1); the +1 is a constant shift that a softmax backward
// ignores, so the row backward is p_i·(g − Σ_k p_ik g_k)·(g_loss/N) with g_k = scale·ln p̄_k.
// The row's probabilities are written to g_logits first and read back by the same thread to finish.
extern "C" __global__ void information_entropy_backward_f32(const float* logits, const float* g_log_mean, const float* g_loss, float* g_logits, long long rows, long long classes)
{
    __shared__ double sums[32];
    __shared__ float maxima[32];
    float factor = g_loss[0] / (float)rows;
    for (long long r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const float* row = logits + r * classes;
        float* out = g_logits + r * classes;
        float m = negative_infinity();
        for (long long j = threadIdx.x; j < classes; j += blockDim.x) m = max_propagate(m, row[j]);
        m = block_max(m, maxima);
        double s = 0.0;
        for (long long j = threadIdx.x; j < classes; j += blockDim.x) s += expf(row[j] - m);
        float inv = (float)(1.0 / block_sum(s, sums));
        double dot = 0.0;
        for (long long j = threadIdx.x; j < classes; j += blockDim.x)
        {
            float p = expf(row[j] - m) * inv;
            out[j] = p;
            dot += (double)g_log_mean[j] * p;
        }
        float weighted = (float)block_sum(dot, sums);
        for (long long j = threadIdx.x; j < classes; j += blockDim.x) out[j] = (out[j] * (g_log_mean[j] - weighted)) * factor;
    }
}

// ---------------------------------------------------------------- activation loss

// shapes: x (n) → partials (ceil(n / chunk)) as float64, then sum_finish_f64 (reduce.cu) with the scale
extern "C" __global__ void abs_sum_chunks_f32(const float* x, double* partials, long long n, long long chunk)
{
    __shared__ double sums[32];
    long long chunks = (n + chunk - 1) / chunk;
    for (long long c = blockIdx.x; c < chunks; c += gridDim.x)
    {
        long long end = min(n, (c + 1) * chunk);
        double s = 0.0;
        for (long long i = c * chunk + threadIdx.x; i < end; i += blockDim.x) s += fabsf(x[i]);
        s = block_sum(s, sums);
        if (threadIdx.x == 0) partials[c] = s;
    }
}

// shapes: x, gx (n), g_loss (1)
extern "C" __global__ void abs_sum_backward_f32(const float* x, const float* g_loss, float* gx, long long n, float scale)
{
    float c = g_loss[0] * scale;
    for (long long i = thread_index(); i < n; i += grid_stride())
    {
        float v = x[i];
        gx[i] = c * (v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : 0.0f);
    }
}
