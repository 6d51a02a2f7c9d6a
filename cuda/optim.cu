// optim.cu: fused optimizer steps, one launch per parameter tensor.
//
// Mirrors src/DafL/Backends/Cpu/CpuBackend.Optim.cs; contract in IBackend.Optim.cs (PyTorch's torch.optim.SGD
// and single-tensor torch.optim.Adam arithmetic, step by step). The scalars are the C# SgdScalars and
// AdamScalars (src/DafL/Backends/OptimScalars.cs), computed on the host by Optim.Sgd / Optim.Adam and passed
// as they are.
// Kernels:
//   sgd_step_f32  (param, grad, momentum_buffer?, n, neg_lr, momentum, dampening_complement, weight_decay,
//                  nesterov, first_step)
//       d = grad + wd·p (fma, only when wd ≠ 0); with a momentum buffer: buf = first_step ? d :
//       fma(d, 1 − dampening, buf·momentum), d = nesterov ? fma(buf, momentum, d) : buf; then p = fma(d, −lr, p).
//       momentum_buffer null: no momentum.
//   adam_step_f32 (param, grad, m, v, n, beta1, one_minus_beta1, beta2, one_minus_beta2, weight_decay,
//                  neg_step_size, bias_correction2_sqrt, eps)
//       g = fma(p, wd, grad) (only when wd ≠ 0); m = fma(g, 1−β1, m·β1); v = fma(g·(1−β2), g, v·β2);
//       p = p + (neg_step_size·m) / (√v / √bc2 + eps)
//
// Rounding: compiled with --fmad=false (cuda/README.md, "Compiling"), so each · and + rounds on its own in the
// CPU's order, fmaf is used exactly where the CPU calls FusedMultiplyAdd (PyTorch's add(alpha=) and addcmul),
// and sqrtf and / are IEEE-correct (NVRTC's default -prec-sqrt/-prec-div): a step gives the CPU's bits exactly.
//
// Launch: grid-stride loop, any 1-D block and grid (256 threads, ceil(n / 256) blocks). No shared memory.
// Each element is read and written by one thread; param, grad and the state may be at any alignment.

#include "common.cuh"

// shapes: param, grad, momentum_buffer (n)
extern "C" __global__ void sgd_step_f32(float* param, const float* grad, float* momentum_buffer, long long n, float neg_lr, float momentum, float dampening_complement, float weight_decay, int nesterov, int first_step)
{
    for (long long i = thread_index(); i < n; i += grid_stride())
    {
        float p = param[i];
        float d = grad[i];
        if (weight_decay != 0.0f) d = fmaf(p, weight_decay, d);
        if (momentum_buffer)
        {
            float buf = first_step ? d : fmaf(d, dampening_complement, momentum_buffer[i] * momentum);
            momentum_buffer[i] = buf;
            d = nesterov ? fmaf(buf, momentum, d) : buf;
        }
        param[i] = fmaf(d, neg_lr, p);
    }
}

// shapes: param, grad, m, v (n)
extern "C" __global__ void adam_step_f32(float* param, const float* grad, float* m, float* v, long long n, float beta1, float one_minus_beta1, float beta2, float one_minus_beta2, float weight_decay, float neg_step_size, float bias_correction2_sqrt, float eps)
{
    for (long long i = thread_index(); i < n; i += grid_stride())
    {
        float p = param[i];
        float g = grad[i];
        if (weight_decay != 0.0f) g = fmaf(p, weight_decay, g);
        float mi = fmaf(g, one_minus_beta1, m[i] * beta1);
        float vi = fmaf(g * one_minus_beta2, g, v[i] * beta2);
        m[i] = mi;
        v[i] = vi;
        float denom = sqrtf(vi) / bias_correction2_sqrt + eps;
        param[i] = p + neg_step_size * mi / denom;
    }
}
