// optim.cu: fused optimizer steps: one launch per parameter tensor, or one for a whole Adam parameter group.
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
//   adam_step_multi_f32 (table, count, chunks, chunk)
//       adam_step_f32 on each of table.tensors[0 .. count), in one launch (PyTorch's multi_tensor_apply): every
//       tensor is cut into chunks of `chunk` elements, numbered one after the other across the tensors
//       (tensors[k].first_chunk is its first chunk's number, ascending; `chunks` is the total), and a block takes
//       a chunk at a time. Each element goes through the same adam_element as adam_step_f32, so the bits are the
//       same. Every listed tensor has n > 0 (the host leaves empty ones out) and no two share memory.
//
// Rounding: compiled with --fmad=false (cuda/README.md, "Compiling"), so each · and + rounds on its own in the
// CPU's order, fmaf is used exactly where the CPU calls FusedMultiplyAdd (PyTorch's add(alpha=) and addcmul),
// and sqrtf and / are IEEE-correct (NVRTC's default -prec-sqrt/-prec-div): a step gives the CPU's bits exactly.
//
// Launch: sgd_step_f32 and adam_step_f32 are grid-stride loops, any 1-D block and grid (256 threads,
// ceil(n / 256) blocks); adam_step_multi_f32 loops over its chunks with a grid stride, any 1-D block and grid
// (256 threads, one block per chunk). No shared memory. Each element is read and written by one thread; param,
// grad and the state may be at any alignment.
//
// AdamMultiTable travels by value as a kernel parameter (cuda/README.md, "Struct layouts"): nothing to upload
// or keep alive, and a captured graph holds its own copy. Kernel parameters are limited to 4 KiB, so a table
// holds ADAM_MULTI_TENSORS tensors (80 bytes each) and a larger group takes one launch per 48.

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

// Adam on element i, the one arithmetic of both Adam kernels.
__device__ __forceinline__ void adam_element(float* param, const float* grad, float* m, float* v, long long i, float beta1, float one_minus_beta1, float beta2, float one_minus_beta2, float weight_decay, float neg_step_size, float bias_correction2_sqrt, float eps)
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

// shapes: param, grad, m, v (n)
extern "C" __global__ void adam_step_f32(float* param, const float* grad, float* m, float* v, long long n, float beta1, float one_minus_beta1, float beta2, float one_minus_beta2, float weight_decay, float neg_step_size, float bias_correction2_sqrt, float eps)
{
    for (long long i = thread_index(); i < n; i += grid_stride())
        adam_element(param, grad, m, v, i, beta1, one_minus_beta1, beta2, one_minus_beta2, weight_decay, neg_step_size, bias_correction2_sqrt, eps);
}

// The most tensors one adam_step_multi_f32 launch takes: 48 · 80 bytes plus the other parameters stay under the
// 4 KiB of kernel parameters.
#define ADAM_MULTI_TENSORS 48

// One tensor of a multi-tensor Adam launch: its four arrays, length, first chunk and AdamScalars. 80 bytes.
struct AdamMultiTensor
{
    float* param;
    const float* grad;
    float* m;
    float* v;
    long long n;
    long long first_chunk;
    float beta1, one_minus_beta1, beta2, one_minus_beta2, weight_decay, neg_step_size, bias_correction2_sqrt, eps;
};

struct AdamMultiTable
{
    AdamMultiTensor tensors[ADAM_MULTI_TENSORS];
};

// shapes: each tensors[k]: param, grad, m, v (n)
extern "C" __global__ void adam_step_multi_f32(AdamMultiTable table, int count, long long chunks, long long chunk)
{
    for (long long c = blockIdx.x; c < chunks; c += gridDim.x)
    {
        // The tensor that holds chunk c: the last whose first chunk is ≤ c (first_chunk ascends; no tensor is empty).
        int lo = 0, hi = count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (table.tensors[mid].first_chunk <= c) lo = mid;
            else hi = mid - 1;
        }
        const AdamMultiTensor& t = table.tensors[lo];
        long long begin = (c - t.first_chunk) * chunk, end = min(begin + chunk, t.n);
        for (long long i = begin + threadIdx.x; i < end; i += blockDim.x)
            adam_element(t.param, t.grad, t.m, t.v, i, t.beta1, t.one_minus_beta1, t.beta2, t.one_minus_beta2, t.weight_decay, t.neg_step_size, t.bias_correction2_sqrt, t.eps);
    }
}
