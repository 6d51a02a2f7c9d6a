// optim.cu: fused optimizer steps, one launch per parameter tensor.
//
// Mirrors src/DafL/Backends/Cpu/CpuBackend.Optim.cs; contract in IBackend.Optim.cs (PyTorch's torch.optim.SGD
// and single-tensor torch.optim.Adam arithmetic, step by step).
// Kernels:
//   sgd_step_f32  (param, grad, momentum_buffer?, n, lr, momentum, weight_decay, nesterov, first_step)
//       d = grad + wd·p; with a momentum buffer: buf = first_step ? d : momentum·buf + d,
//       d = nesterov ? d + momentum·buf : buf; then p = p − lr·d. momentum_buffer null: no momentum.
//   adam_step_f32 (param, grad, m, v, n, beta1, beta2, one_minus_beta1, one_minus_beta2, eps, weight_decay,
//                  step_size, sqrt_bias_correction2)
//       g = grad + wd·p; m = m·β1 + g·(1−β1); v = v·β2 + g·g·(1−β2); p = p − step_size·(m / (√v / √bc2 + eps))
//   The host computes, as the CPU does, in double from the decimal values the user wrote (PyTorch holds its
//   hyperparameters as Python doubles) and rounds each to float once:
//       b1 = (double)(decimal)beta1, b2 likewise, bc1 = 1 − b1^step, bc2 = 1 − b2^step,
//       step_size = (float)((double)(decimal)lr / bc1), sqrt_bias_correction2 = (float)√bc2,
//       one_minus_beta1 = (float)(1 − b1), one_minus_beta2 = (float)(1 − b2).
//
// Rounding: compiled with --fmad=false (cuda/README.md, "Compiling"), so each · and + rounds on its own in the
// CPU's order, and sqrtf and / are IEEE-correct (NVRTC's default -prec-sqrt/-prec-div): a step gives the CPU's
// bits exactly.
//
// Launch: grid-stride loop, any 1-D block and grid (256 threads, ceil(n / 256) blocks). No shared memory.
// Each element is read and written by one thread; param, grad and the state may be at any alignment.

// shapes: param, grad, momentum_buffer (n)
extern "C" __global__ void sgd_step_f32(float* param, const float* grad, float* momentum_buffer, long long n, float lr, float momentum, float weight_decay, int nesterov, int first_step)
{
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    {
        float p = param[i];
        float d = grad[i] + weight_decay * p;
        if (momentum_buffer)
        {
            float buf = first_step ? d : momentum * momentum_buffer[i] + d;
            momentum_buffer[i] = buf;
            d = nesterov ? d + momentum * buf : buf;
        }
        param[i] = p - lr * d;
    }
}

// shapes: param, grad, m, v (n)
extern "C" __global__ void adam_step_f32(float* param, const float* grad, float* m, float* v, long long n, float beta1, float beta2, float one_minus_beta1, float one_minus_beta2, float eps, float weight_decay, float step_size, float sqrt_bias_correction2)
{
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
    {
        float p = param[i];
        float g = grad[i] + weight_decay * p;
        float mi = m[i] * beta1 + g * one_minus_beta1;
        float vi = v[i] * beta2 + g * g * one_minus_beta2;
        m[i] = mi;
        v[i] = vi;
        float denom = sqrtf(vi) / sqrt_bias_correction2 + eps;
        param[i] = p - step_size * (mi / denom);
    }
}
