// softmax.cu: softmax and log-softmax with their backward passes, and the losses built on them.
//
// Mirrors src/DafL/Backends/Cpu/CpuBackend.Softmax.cs; contract in IBackend.Softmax.cs.
// Kernels:
//   softmax_rows_f32              (x, y, rows, cols, log_softmax)            dim = last: one block per row
//   softmax_rows_backward_f32     (y, gy, gx, rows, cols, log_softmax)
//   softmax_columns_f32           (x, y, outer, size, inner, log_softmax)    any other dim: a thread per column
//   softmax_columns_backward_f32  (y, gy, gx, outer, size, inner, log_softmax)
//   cross_entropy_rows_f32        (logits, targets, row_loss, rows, classes, bad_row)
//   cross_entropy_backward_f32    (logits, targets, g_loss, g_logits, rows, classes)
//   kl_div_chunks_f32             (log_probs, target, partials, n, chunk)
//   kl_div_backward_f32           (log_probs, target, g_loss, g_log_probs?, g_target?, n, scale)
//   kd_loss_rows_f32              (student, teacher, row_loss, rows, classes, inv_t)
//   kd_loss_backward_f32          (student, teacher, g_loss, g_student, rows, classes, inv_t, temperature)
// log_softmax ≠ 0 selects log-softmax. Each loss writes float64 values per row (or per chunk) and is closed by
// sum_finish_f64 in reduce.cu, which adds them in a fixed tree and writes the scalar:
//   CrossEntropy  = sum_finish_f64(row_loss, rows, loss, 1.0 / rows)
//   KlDiv         = sum_finish_f64(partials, ceil(n / chunk), loss, (double)scale)
//   KdLoss        = sum_finish_f64(row_loss, rows, loss, 1.0 / rows)
// Backward kernels read the incoming loss gradient g_loss (a device scalar) themselves: no host round trip.
//
// Numerics, as on the CPU: every row is max-subtracted before exp; row sums of exponentials, dot products and
// loss terms accumulate in float64; the max propagates NaN; p = e·(float)(1/Σe) and
// log p = (x − m) − (float)ln Σe (two roundings, like PyTorch); where the CPU uses a fused multiply-add the
// kernels call fmaf. Only expf/logf and the summation order differ from the CPU (a few ulp).
//
// Cross-entropy targets are class indices held as floats. A target that is not an integer in [0, classes) makes
// its row's loss NaN and lowers *bad_row (a uint32 the host sets to 0xFFFFFFFF before the launch, e.g. with
// cuMemsetD32) to that row with atomicMin, so the host can throw 'cross_entropy: target … in row …' naming
// the first bad row, as the CPU does. atomicMin on an integer gives the same answer in any order. The backward
// writes a NaN row for such a target instead of indexing out of bounds.
//
// Launch:
//   *_rows_* kernels and kd_loss_backward_f32, cross_entropy_*: 1-D blocks, a multiple of 32 up to 1024 threads
//     (the backend uses min(256, cols rounded up to 32)); any grid (rows blocks); loops are grid-stride.
//   softmax_columns*: any 1-D blocks and grid (one thread per (outer, inner) column, sequential along size).
//   kl_div_chunks_f32: 1-D blocks, a multiple of 32 up to 1024 (the backend uses 256); any grid
//     (ceil(n / chunk) blocks, chunk = 65536).
//   kl_div_backward_f32: any 1-D blocks and grid.
// Shared memory: static only (32 doubles + 32 floats). A block's results depend on its size, never on the grid.

#include "common.cuh"

__device__ __forceinline__ float quiet_nan() { return __int_as_float(0x7fc00000); }

// max over row[0, n) · scale by the whole block (scale > 0, so scaling after the max is the CPU's order).
__device__ float row_max(const float* row, long long n, float* scratch)
{
    float m = negative_infinity();
    for (long long j = threadIdx.x; j < n; j += blockDim.x) m = max_propagate(m, row[j]);
    return block_max(m, scratch);
}

// Σ exp(fma(row[j], scale, −shift)) over the block, in float64 (the CPU's ExpSum).
__device__ double row_exp_sum(const float* row, long long n, float scale, float shift, double* scratch)
{
    double s = 0.0;
    for (long long j = threadIdx.x; j < n; j += blockDim.x) s += expf(fmaf(row[j], scale, -shift));
    return block_sum(s, scratch);
}

// ---------------------------------------------------------------- softmax along the last dimension

// shapes: x, y (rows, cols)
extern "C" __global__ void softmax_rows_f32(const float* x, float* y, long long rows, long long cols, int log_softmax)
{
    __shared__ double sums[32];
    __shared__ float maxima[32];
    for (long long r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const float* xr = x + r * cols;
        float* yr = y + r * cols;
        float m = row_max(xr, cols, maxima);
        double total = row_exp_sum(xr, cols, 1.0f, m, sums);
        if (log_softmax)
        {
            float log_sum = (float)log(total);
            for (long long j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = (xr[j] - m) - log_sum;
        }
        else
        {
            float inv = (float)(1.0 / total);
            for (long long j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = expf(xr[j] - m) * inv;
        }
    }
}

// shapes: y, gy, gx (rows, cols); y is the forward output
// softmax: gx = y·(gy − Σ gy·y); log-softmax: gx = gy − eʸ·Σ gy
extern "C" __global__ void softmax_rows_backward_f32(const float* y, const float* gy, float* gx, long long rows, long long cols, int log_softmax)
{
    __shared__ double sums[32];
    for (long long r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const float* yr = y + r * cols;
        const float* gr = gy + r * cols;
        float* out = gx + r * cols;
        double s = 0.0;
        for (long long j = threadIdx.x; j < cols; j += blockDim.x) s += log_softmax ? (double)gr[j] : (double)gr[j] * yr[j];
        float total = (float)block_sum(s, sums);
        for (long long j = threadIdx.x; j < cols; j += blockDim.x)
            out[j] = log_softmax ? fmaf(-expf(yr[j]), total, gr[j]) : yr[j] * (gr[j] - total);
    }
}

// ---------------------------------------------------------------- softmax along any other dimension

// shapes: x, y (outer, size, inner); column p = (o, i) holds x[o, ·, i]
extern "C" __global__ void softmax_columns_f32(const float* x, float* y, long long outer, long long size, long long inner, int log_softmax)
{
    for (long long p = thread_index(); p < outer * inner; p += grid_stride())
    {
        long long start = p / inner * size * inner + p % inner;
        const float* xc = x + start;
        float* yc = y + start;
        float m = xc[0];
        for (long long j = 1; j < size; j++) m = max_propagate(m, xc[j * inner]);
        double total = 0.0;
        for (long long j = 0; j < size; j++) total += expf(xc[j * inner] - m);
        if (log_softmax)
        {
            float log_sum = (float)log(total);
            for (long long j = 0; j < size; j++) yc[j * inner] = (xc[j * inner] - m) - log_sum;
        }
        else
        {
            float inv = (float)(1.0 / total);
            for (long long j = 0; j < size; j++) yc[j * inner] = expf(xc[j * inner] - m) * inv;
        }
    }
}

// shapes: y, gy, gx (outer, size, inner)
extern "C" __global__ void softmax_columns_backward_f32(const float* y, const float* gy, float* gx, long long outer, long long size, long long inner, int log_softmax)
{
    for (long long p = thread_index(); p < outer * inner; p += grid_stride())
    {
        long long start = p / inner * size * inner + p % inner;
        const float* yc = y + start;
        const float* gc = gy + start;
        float* out = gx + start;
        double s = 0.0;
        for (long long j = 0; j < size; j++) s += log_softmax ? (double)gc[j * inner] : (double)gc[j * inner] * yc[j * inner];
        float total = (float)s;
        for (long long j = 0; j < size; j++)
        {
            long long k = j * inner;
            out[k] = log_softmax ? fmaf(-expf(yc[k]), total, gc[k]) : yc[k] * (gc[k] - total);
        }
    }
}

// ---------------------------------------------------------------- cross-entropy

__device__ __forceinline__ bool is_class_index(float t, long long classes)
{
    return t >= 0.0f && t < (float)classes && t == floorf(t);
}

// shapes: logits (rows, classes), targets (rows) → row_loss (rows) as float64, then sum_finish_f64
// row_loss[r] = logsumexp(logits_r) − logits_r[targets_r]
extern "C" __global__ void cross_entropy_rows_f32(const float* logits, const float* targets, double* row_loss, long long rows, long long classes, unsigned int* bad_row)
{
    __shared__ double sums[32];
    __shared__ float maxima[32];
    for (long long r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const float* xr = logits + r * classes;
        float m = row_max(xr, classes, maxima);
        double total = row_exp_sum(xr, classes, 1.0f, m, sums);
        if (threadIdx.x == 0)
        {
            float t = targets[r];
            if (is_class_index(t, classes)) row_loss[r] = ((double)m + log(total)) - xr[(long long)t];
            else
            {
                row_loss[r] = quiet_nan();
                atomicMin(bad_row, (unsigned int)r);
            }
        }
    }
}

// shapes: logits, g_logits (rows, classes), targets (rows), g_loss (1)
// g_logits = (softmax(logits)·g) − onehot(targets)·g with g = g_loss / rows
extern "C" __global__ void cross_entropy_backward_f32(const float* logits, const float* targets, const float* g_loss, float* g_logits, long long rows, long long classes)
{
    __shared__ double sums[32];
    __shared__ float maxima[32];
    float g = g_loss[0] / (float)rows;
    for (long long r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const float* xr = logits + r * classes;
        float* out = g_logits + r * classes;
        float m = row_max(xr, classes, maxima);
        float inv = (float)(1.0 / row_exp_sum(xr, classes, 1.0f, m, sums));
        float t = targets[r];
        bool valid = is_class_index(t, classes);
        long long target = valid ? (long long)t : -1;
        for (long long j = threadIdx.x; j < classes; j += blockDim.x)
        {
            float p = (expf(xr[j] - m) * inv) * g;
            out[j] = !valid ? quiet_nan() : j == target ? p - g : p;
        }
    }
}

// ---------------------------------------------------------------- KL divergence (F.kl_div, log-space input)

// shapes: log_probs, target (n) → partials (ceil(n / chunk)) as float64, then sum_finish_f64 with the scale
// Σ xlogy(t, t) − t·x, with xlogy(0, ·) = 0 so absent classes add nothing
extern "C" __global__ void kl_div_chunks_f32(const float* log_probs, const float* target, double* partials, long long n, long long chunk)
{
    __shared__ double sums[32];
    long long chunks = (n + chunk - 1) / chunk;
    for (long long c = blockIdx.x; c < chunks; c += gridDim.x)
    {
        long long end = min(n, (c + 1) * chunk);
        double s = 0.0;
        for (long long i = c * chunk + threadIdx.x; i < end; i += blockDim.x)
        {
            double t = target[i];
            s += (t == 0.0 ? 0.0 : t * log(t)) - t * log_probs[i];
        }
        s = block_sum(s, sums);
        if (threadIdx.x == 0) partials[c] = s;
    }
}

// shapes: log_probs, target, g_log_probs, g_target (n), g_loss (1); either gradient may be null (not wanted)
// g_log_probs = −g·t; g_target = g·(ln t + 1 − x), NaN where t = 0 (PyTorch's xlogy backward); g = g_loss·scale
extern "C" __global__ void kl_div_backward_f32(const float* log_probs, const float* target, const float* g_loss, float* g_log_probs, float* g_target, long long n, float scale)
{
    float g = g_loss[0] * scale;
    for (long long i = thread_index(); i < n; i += grid_stride())
    {
        float t = target[i];
        if (g_log_probs) g_log_probs[i] = -g * t;
        if (g_target) g_target[i] = t == 0.0f ? quiet_nan() : g * ((logf(t) + 1.0f) - log_probs[i]);
    }
}

// ---------------------------------------------------------------- knowledge-distillation loss

// shapes: student, teacher (rows, classes) → row_loss (rows) as float64, then sum_finish_f64 with 1/rows
// row_loss[r] = KL(softmax(t/T) ‖ softmax(s/T)) = Σ e·(z_t − z_s)/E − (m_t + ln E) + lse_s, z = x/T,
// e = exp(z_t − m_t), E = Σ e (the CPU's KdRow). inv_t = 1/T computed on the host as 1f / temperature.
extern "C" __global__ void kd_loss_rows_f32(const float* student, const float* teacher, double* row_loss, long long rows, long long classes, float inv_t)
{
    __shared__ double sums[32];
    __shared__ float maxima[32];
    for (long long r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const float* s = student + r * classes;
        const float* t = teacher + r * classes;
        float ms = inv_t * row_max(s, classes, maxima);
        double lse_s = (double)ms + log(row_exp_sum(s, classes, inv_t, ms, sums));
        float mt = inv_t * row_max(t, classes, maxima);
        double e = 0.0, w = 0.0;
        for (long long j = threadIdx.x; j < classes; j += blockDim.x)
        {
            double ex = expf(fmaf(t[j], inv_t, -mt));
            e += ex;
            w += ex * ((t[j] - s[j]) * inv_t);
        }
        e = block_sum(e, sums);
        w = block_sum(w, sums);
        if (threadIdx.x == 0) row_loss[r] = w / e - ((double)mt + log(e)) + lse_s;
    }
}

// shapes: student, teacher, g_student (rows, classes), g_loss (1)
// g_student = g·(softmax(s/T) − softmax(t/T)) with g = g_loss / (rows·T); the teacher gets no gradient
extern "C" __global__ void kd_loss_backward_f32(const float* student, const float* teacher, const float* g_loss, float* g_student, long long rows, long long classes, float inv_t, float temperature)
{
    __shared__ double sums[32];
    __shared__ float maxima[32];
    float g = g_loss[0] / ((float)rows * temperature);
    for (long long r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const float* s = student + r * classes;
        const float* t = teacher + r * classes;
        float* out = g_student + r * classes;
        float ms = inv_t * row_max(s, classes, maxima);
        float scale_s = (float)(g / row_exp_sum(s, classes, inv_t, ms, sums));
        float mt = inv_t * row_max(t, classes, maxima);
        float scale_t = (float)(-g / row_exp_sum(t, classes, inv_t, mt, sums));
        for (long long j = threadIdx.x; j < classes; j += blockDim.x)
            out[j] = fmaf(expf(fmaf(t[j], inv_t, -mt)), scale_t, expf(fmaf(s[j], inv_t, -ms)) * scale_s);
    }
}
