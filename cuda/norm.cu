// norm.cu: the statistics conversions between the batch-norm contract and cuDNN.
//
// Mirrors the statistics of src/DafL/Backends/Cpu/CpuBackend.Norm.cs; contract in IBackend.Norm.cs. cuDNN's
// training forward saves the batch mean and the INVERSE standard deviation 1/√(var + ε), and its backward takes
// them back; the contract saves the mean and the biased variance, and hands that variance to the backward. The
// CUDA backend passes the mean through untouched and converts the other statistic with these kernels:
//   batch_norm_inv_std_f32           (var, inv_std, channels, eps)  inv_std[c] = (float)(1 / √((double)var[c] + eps))
//       the CPU's InvStd, in double, rounded once: what the backward hands cuDNN as savedInvVariance.
//   batch_norm_var_from_inv_std_f32  (inv_std, var, channels, eps)  var[c] = (float)max(1 / (double)inv_std[c]² − eps, 0)
//       the biased variance back from cuDNN's saved inverse standard deviation (the forward's saveVar). Exact to
//       float rounding when var ≫ eps; where var is comparable to eps the subtraction loses the bits that
//       inv_std's rounding dropped (relative error ≈ 2⁻²⁴·(var + eps)/var).
//
// Launch: grid-stride loop, any 1-D block and grid (256 threads, ceil(channels / 256) blocks). No shared memory.

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
