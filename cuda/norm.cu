// norm.cu: the statistics conversions between the batch-norm contract and cuDNN, and batch norm fused with the
// LeakyReLU after it (forward and backward, training), which does not go through cuDNN.
//
// Mirrors src/DafL/Backends/Cpu/CpuBackend.Norm.cs and CpuBackend.NormActivation.cs; contracts in IBackend.Norm.cs
// and IBackend.NormActivation.cs.
//
// Conversions. cuDNN's training forward saves the batch mean and the INVERSE standard deviation 1/√(var + ε), and
// its backward takes them back; the contract saves the mean and the biased variance, and hands that variance to
// the backward. The CUDA backend passes the mean through untouched and converts the other statistic:
//   batch_norm_inv_std_f32           (var, inv_std, channels, eps)  inv_std[c] = (float)(1 / √((double)var[c] + eps))
//       the CPU's InvStd, in double, rounded once: what the backward hands cuDNN as savedInvVariance.
//   batch_norm_var_from_inv_std_f32  (inv_std, var, channels, eps)  var[c] = (float)max(1 / (double)inv_std[c]² − eps, 0)
//       the biased variance back from cuDNN's saved inverse standard deviation (the forward's saveVar). Exact to
//       float rounding when var ≫ eps; where var is comparable to eps the subtraction loses the bits that
//       inv_std's rounding dropped (relative error ≈ 2⁻²⁴·(var + eps)/var).
//
// Fused BatchNorm → LeakyReLU forward (CpuBackend's ForwardTraining with LeakyActivation), after the float
// first-pass mean m = (float)(Σx / count) per channel (reduce.cu's channel sum, into save_mean):
//   batch_norm_moments_chunks_f32     (x, mean, partials, n, channels, plane, chunk)
//       per (chunk, channel): Σd and Σd² in float64, d = x − m (as the CPU's ShiftedMoments).
//   batch_norm_statistics_finish_f32  (partials, chunks, mean, weight?, bias?, running_mean?, running_var?,
//                                      save_mean, save_var, coefficients, channels, count, momentum, eps)
//       per channel, the CPU's formulas: mean = m + Σd/count, var = max(Σd² − (Σd)²/count, 0)/count (biased) into
//       save_mean and save_var (as floats), inv_std from the saved var, the affine coefficients
//       a = (float)(w·inv_std), b = (float)(bias − mean·w·inv_std) into coefficients[c], [channels + c], and the
//       running statistics (1 − momentum)·running + momentum·batch (unbiased variance) where given.
//   batch_norm_leaky_relu_forward_f32 (x, coefficients, y, n, channels, plane, slope)
//       z = fma(x, a, b), y = z > 0 ? z : z·slope: normalise, affine and LeakyReLU in one pass.
// Fused backward (CpuBackend's Backward with LeakyGradMask), gy read through LeakyReLU's mask wherever it is read,
// gz = y > 0 ? gy : gy·slope (y the fused output: for slope ≥ 0 it is > 0 exactly where batch norm's output is),
// so no gz tensor is made:
//   batch_norm_leaky_relu_backward_chunks_f32  (x, y, gy, mean, partials, n, channels, plane, chunk, slope)
//       per (chunk, channel): Σgz and Σgz·(x − mean) in float64.
//   batch_norm_leaky_relu_backward_finish_f32  (partials, chunks, var, weight?, g_weight?, g_bias?, coefficients,
//                                                channels, count, eps)
//       per channel, the CPU's formulas: g_bias = (float)Σgz, g_weight = (float)(Σgz·d · inv_std) with
//       inv_std = 1/√((double)var + eps) and w = weight or 1, and the input gradient's coefficients
//       a = (float)(w·inv_std), b = (float)(−w·inv_std³·Σgz·d / count), k = (float)(−w·inv_std·Σgz / count)
//       into coefficients[c], [channels + c], [2·channels + c].
//   batch_norm_leaky_relu_backward_input_f32   (x, y, gy, mean, coefficients, gx, n, channels, plane, slope)
//       gx = fma(x − mean, b, fma(gz, a, k)), as the CPU's BatchNormInputGrad.
// The chunk kernels' partials are partials[2·(c·chunks + k)] and [… + 1] for chunk k of channel c (`chunk`
// positions of the channel's n·plane, image-major), added by the finish kernels in chunk order. The CPU sums in
// another order (float partials flushed into double), so the fused ops agree with it and with the unfused
// composition to float rounding, not bit for bit (the conformance suite's Fp32 tolerance).
//
// Launch: all but the chunk kernels are grid-stride loops, any 1-D block and grid (256 threads, ceil(work / 256)
// blocks). The chunk kernels: (chunks, channels) blocks, any grid (both axes stride), a 1-D block of a multiple of
// 32 threads (256: a block's sums depend on its size, so the backend keeps it fixed).

#include "common.cuh"

// shapes: var, inv_std (channels)
extern "C" __global__ void batch_norm_inv_std_f32(const float* var, float* inv_std, long long channels, float eps)
{
    for (long long c = thread_index(); c < channels; c += grid_stride())
        inv_std[c] = (float)(1.0 / sqrt((double)var[c] + (double)eps));
}

// shapes: inv_std, var (channels)
extern "C" __global__ void batch_norm_var_from_inv_std_f32(const float* inv_std, float* var, long long channels, float eps)
{
    for (long long c = thread_index(); c < channels; c += grid_stride())
    {
        double s = (double)inv_std[c];
        double v = 1.0 / (s * s) - (double)eps;
        var[c] = (float)(v > 0.0 ? v : 0.0);
    }
}

// Per-channel float64 sums of two terms of each position, in chunks: a block owns one (chunk k, channel c) pair
// at a time, thread t taking positions t, t + blockDim, … of the chunk's `chunk` positions of the channel's
// n·plane (image-major, walked by for_each_in_kept_chunk as reduce.cu's per-channel sums), and writes the block's two sums
// to partials[2·(c·chunks + k)] and [… + 1]. term(i, c) gives the two terms at element i of channel c.
template <class Term>
__device__ __forceinline__ void channel_chunk_sums(long long n, long long channels, long long plane, long long chunk, double* partials, Term term)
{
    __shared__ double scratch[32];
    long long count = n * plane, chunks = (count + chunk - 1) / chunk;
    for (long long c = blockIdx.y; c < channels; c += gridDim.y)
        for (long long k = blockIdx.x; k < chunks; k += gridDim.x)
        {
            long long first = k * chunk + threadIdx.x, end = min(count, (k + 1) * chunk);
            double s = 0.0, s2 = 0.0;
            for_each_in_kept_chunk(first, end, channels, c, plane, [&](long long i)
            {
                double2 t = term(i, c);
                s += t.x;
                s2 += t.y;
            });
            s = block_sum(s, scratch);
            s2 = block_sum(s2, scratch);
            if (threadIdx.x == 0)
            {
                partials[2 * (c * chunks + k)] = s;
                partials[2 * (c * chunks + k) + 1] = s2;
            }
        }
}

// (d, d²) with d = x − mean (the float mean), as the CPU's ShiftedMoments.
struct ShiftedMoments
{
    const float* x;
    const float* mean;
    __device__ double2 operator()(long long i, long long c) const
    {
        double d = (double)(x[i] - mean[c]);
        return make_double2(d, d * d);
    }
};

// (gz, gz·(x − mean)) with gz = LeakyReLU's gradient of gy, its mask read from y, as the CPU's GradMoments.
struct MaskedGradMoments
{
    const float* x;
    const float* y;
    const float* gy;
    const float* mean;
    float slope;
    __device__ double2 operator()(long long i, long long c) const
    {
        float g = y[i] > 0.0f ? gy[i] : gy[i] * slope;
        return make_double2((double)g, (double)g * (double)(x[i] - mean[c]));
    }
};

// shapes: x (n, channels, plane); mean (channels) → partials (channels, chunks, 2) as float64
extern "C" __global__ void batch_norm_moments_chunks_f32(const float* x, const float* mean, double* partials, long long n, long long channels, long long plane, long long chunk)
{
    channel_chunk_sums(n, channels, plane, chunk, partials, ShiftedMoments{x, mean});
}

// shapes: partials (channels, chunks, 2) as float64; mean, weight?, bias?, running_mean?, running_var?, save_mean, save_var (channels) → coefficients (2, channels)
// mean is the float first-pass mean, and may be save_mean itself (each channel's is read before it is written).
extern "C" __global__ void batch_norm_statistics_finish_f32(const double* partials, long long chunks, const float* mean, const float* weight, const float* bias, float* running_mean, float* running_var, float* save_mean, float* save_var, float* coefficients, long long channels, long long count, float momentum, float eps)
{
    for (long long c = thread_index(); c < channels; c += grid_stride())
    {
        double dev = 0.0, dev_sq = 0.0;
        for (long long k = 0; k < chunks; k++)
        {
            dev += partials[2 * (c * chunks + k)];
            dev_sq += partials[2 * (c * chunks + k) + 1];
        }
        double exact_mean = (double)mean[c] + dev / (double)count;
        double spread = dev_sq - dev * dev / (double)count;
        double var = (spread < 0.0 ? 0.0 : spread) / (double)count; // biased; NaN stays NaN, as the CPU's Math.Max
        float m = (float)exact_mean, v = (float)var;
        save_mean[c] = m;
        save_var[c] = v;
        double inv_std = 1.0 / sqrt((double)v + (double)eps), w = weight ? (double)weight[c] : 1.0;
        coefficients[c] = (float)(w * inv_std);
        coefficients[channels + c] = (float)((bias ? (double)bias[c] : 0.0) - (double)m * w * inv_std);
        if (running_mean) running_mean[c] = (float)((1.0 - (double)momentum) * (double)running_mean[c] + (double)momentum * exact_mean);
        if (running_var) running_var[c] = (float)((1.0 - (double)momentum) * (double)running_var[c] + (double)momentum * var * (double)count / (double)(count - 1));
    }
}

// shapes: x, y (n, channels, plane); coefficients (2, channels)
extern "C" __global__ void batch_norm_leaky_relu_forward_f32(const float* x, const float* coefficients, float* y, long long n, long long channels, long long plane, float slope)
{
    long long total = n * channels * plane;
    for (long long i = thread_index(); i < total; i += grid_stride())
    {
        long long c = i / plane % channels;
        float z = fmaf(x[i], coefficients[c], coefficients[channels + c]);
        y[i] = z > 0.0f ? z : z * slope;
    }
}

// shapes: x, y, gy (n, channels, plane); mean (channels) → partials (channels, chunks, 2) as float64
extern "C" __global__ void batch_norm_leaky_relu_backward_chunks_f32(const float* x, const float* y, const float* gy, const float* mean, double* partials, long long n, long long channels, long long plane, long long chunk, float slope)
{
    channel_chunk_sums(n, channels, plane, chunk, partials, MaskedGradMoments{x, y, gy, mean, slope});
}

// shapes: partials (channels, chunks, 2) as float64, var, weight?, g_weight?, g_bias? (channels) → coefficients (3, channels)
extern "C" __global__ void batch_norm_leaky_relu_backward_finish_f32(const double* partials, long long chunks, const float* var, const float* weight, float* g_weight, float* g_bias, float* coefficients, long long channels, long long count, float eps)
{
    for (long long c = thread_index(); c < channels; c += grid_stride())
    {
        double s = 0.0, sd = 0.0;
        for (long long k = 0; k < chunks; k++)
        {
            s += partials[2 * (c * chunks + k)];
            sd += partials[2 * (c * chunks + k) + 1];
        }
        double inv_std = 1.0 / sqrt((double)var[c] + (double)eps), w = weight ? (double)weight[c] : 1.0;
        if (g_bias) g_bias[c] = (float)s;
        if (g_weight) g_weight[c] = (float)(sd * inv_std);
        coefficients[c] = (float)(w * inv_std);
        coefficients[channels + c] = (float)(-w * inv_std * inv_std * inv_std * sd / (double)count);
        coefficients[2 * channels + c] = (float)(-w * inv_std * s / (double)count);
    }
}

// shapes: x, y, gy, gx (n, channels, plane); mean (channels); coefficients (3, channels)
extern "C" __global__ void batch_norm_leaky_relu_backward_input_f32(const float* x, const float* y, const float* gy, const float* mean, const float* coefficients, float* gx, long long n, long long channels, long long plane, float slope)
{
    long long total = n * channels * plane;
    for (long long i = thread_index(); i < total; i += grid_stride())
    {
        long long c = i / plane % channels;
        float g = y[i] > 0.0f ? gy[i] : gy[i] * slope;
        gx[i] = fmaf(x[i] - mean[c], coefficients[channels + c], fmaf(g, coefficients[c], coefficients[2 * channels + c]));
    }
}
