// common.cuh: the device code that the kernel files share, in one place: the grid-stride index helpers, the rank
// limit of the strided layouts, and the warp and block reductions. Every .cu file includes it.
// Included by name (`#include "common.cuh"`): the backend hands NVRTC the embedded headers in memory
// (KernelCompiler, KernelSources.Headers); tools/check-kernels.sh passes cuda/ as the include path; the emulator's
// builds (cuda/emulator/kernel_tests.cpp, cuda/mock) include it once, at global scope, before the kernel files.
#pragma once

// ---------------------------------------------------------------- indices
// Grid-stride loops, `for (long long i = thread_index(); i < n; i += grid_stride())`, visit every i < n once
// whatever the 1-D grid and block, so a launch may use fewer threads than elements. 64-bit, as n may pass 2³¹.
__device__ __forceinline__ long long thread_index() { return (long long)blockIdx.x * blockDim.x + threadIdx.x; }
__device__ __forceinline__ long long grid_stride() { return (long long)gridDim.x * blockDim.x; }

// The most dimensions a broadcast, strided-copy or reduction layout carries (the C# side merges adjacent
// dimensions first, so the tensors' rank may be larger).
#define MAX_DIMS 8

// ---------------------------------------------------------------- reductions
// Determinism: every reduction combines values in a fixed pattern (butterfly shuffles, then warps in warp order),
// so a result depends only on the inputs and the block size. Blocks must be 1-D with a multiple of 32 threads.

#define FULL_MASK 0xffffffffu

__device__ __forceinline__ float negative_infinity() { return __int_as_float(0xff800000); }

// max that propagates NaN from either side, like the CPU's RowMax
__device__ __forceinline__ float max_propagate(float a, float b) { return a != a || a >= b ? a : b; }

// Sum over the 32 lanes of a warp; every lane gets the same bits (each butterfly step adds the same two values
// in both partner lanes, and float addition is commutative).
__device__ __forceinline__ double warp_sum(double v)
{
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(FULL_MASK, v, offset);
    return v;
}

__device__ __forceinline__ float warp_max(float v)
{
    for (int offset = 16; offset > 0; offset >>= 1) v = max_propagate(v, __shfl_xor_sync(FULL_MASK, v, offset));
    return v;
}

// The per-channel chunked walk of a (outer, kept, inner) tensor for kept index k: the pairs (a, b) of k's reduced
// coordinates are numbered row-major, and this thread visits element (a·kept + k)·inner + b of the numbers first,
// first + blockDim, … below end, in that order. The pair is advanced by (blockDim / inner, blockDim % inner) with a
// carry, so the loop needs no division per element. Used by the per-channel sums (reduce.cu) and batch norm's
// chunked moments (norm.cu).
template <class Visit>
__device__ __forceinline__ void for_each_in_kept_chunk(long long first, long long end, long long kept, long long k, long long inner, Visit visit)
{
    long long step_a = blockDim.x / inner, step_b = blockDim.x % inner;
    for (long long p = first, a = first / inner, b = first % inner; p < end; p += blockDim.x)
    {
        visit((a * kept + k) * inner + b);
        a += step_a;
        b += step_b;
        if (b >= inner)
        {
            b -= inner;
            a++;
        }
    }
}

// Block-wide sum / max; every thread gets the result. scratch: 32 elements of shared memory, free to reuse once
// the call returns.
__device__ __forceinline__ double block_sum(double v, double* scratch)
{
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    v = warp_sum(v);
    __syncthreads(); // a previous call may still be reading scratch
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    return warp_sum(lane < warps ? scratch[lane] : 0.0);
}

__device__ __forceinline__ float block_max(float v, float* scratch)
{
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    return warp_max(scratch[lane < warps ? lane : 0]);
}
