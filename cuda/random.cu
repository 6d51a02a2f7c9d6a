// random.cu: Philox4x32-10 uniform and normal fills, the same numbers as the CPU backend for the same seed.
//
// Mirrors src/DafL/Random/Philox.cs (Block, Bits, ToUniform, ToNormal) as used by CpuBackend.Core.cs
// (FillUniform, FillNormal); contract in IBackend.Core.cs. Salmon et al., "Parallel random numbers: as easy as
// 1, 2, 3" (SC 2011).
// Kernels:
//   philox_uniform_f32 (y, n, seed, offset)   y[i] = (word_i >> 8)·2⁻²⁴, in [0, 1)
//   philox_normal_f32  (y, n, seed, offset)   Box–Muller over word pairs (0, 1) and (2, 3) of each block
// Element i takes word i mod 4 of the block for counter (offset + i/4) split into (lo, hi, 0, 0), under the key
// (seed lo, seed hi); `offset` is the Philox object's counter returned by Advance(n) (in blocks of four words).
// Normal: for the pair (w_even, w_odd) of one block, u1 = (w_even + 0.5)·2⁻³² ∈ (0, 1), θ = 2π·(w_odd·2⁻³²),
// r = √(−2 ln u1); the even element gets r·cos θ, the odd one r·sin θ, all in double, rounded to float once.
//
// Exactness: uniforms are bit-identical to the CPU's (integer arithmetic and one exact float product).
// Normals equal the CPU's except where the double-precision results (CUDA's log and sincospi, ≤ 2 ulp in
// double, against .NET's log, cos, sin) land on different sides of a float rounding boundary: 1 float ulp,
// about once in 10⁸ draws. One more case: where sin θ or cos θ is exactly 0 (w_odd = 2³⁰·k), sincospi gives 0
// where the CPU gives the rounding residue of fl(2π·u) times r (|y| < 1e-15).
//
// Launch: one thread per block of four elements (q = i / 4), grid-stride: any 1-D block and grid
// (256 threads, ceil(ceil(n / 4) / 256) blocks). No shared memory. The last block writes only the elements < n.

#include "common.cuh"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

// The four 32-bit outputs for counter (c0, c1, 0, 0) under key (k0, k1): ten rounds, the key bumped after each.
__device__ uint4 philox_block(unsigned long long counter, unsigned long long seed)
{
    unsigned int x0 = (unsigned int)counter, x1 = (unsigned int)(counter >> 32), x2 = 0, x3 = 0;
    unsigned int k0 = (unsigned int)seed, k1 = (unsigned int)(seed >> 32);
#pragma unroll
    for (int round = 0; round < 10; round++)
    {
        unsigned int hi0 = __umulhi(PHILOX_M0, x0), lo0 = PHILOX_M0 * x0;
        unsigned int hi1 = __umulhi(PHILOX_M1, x2), lo1 = PHILOX_M1 * x2;
        x0 = hi1 ^ x1 ^ k0;
        x1 = lo1;
        x2 = hi0 ^ x3 ^ k1;
        x3 = lo0;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    return make_uint4(x0, x1, x2, x3);
}

__device__ __forceinline__ float to_uniform(unsigned int bits) { return (float)(bits >> 8) * (1.0f / 16777216.0f); }

// (r·cos θ, r·sin θ) for the word pair (w1, w2), in double. θ = 2π·u2 with u2 ∈ [0, 1), so sincospi(2·u2)
// gives cos θ and sin θ without the large-argument reduction of sin/cos (whose slow path needs local memory);
// it differs from the CPU's cos(fl(2π·u2)) only by fl's rounding of θ, about 1e-16 absolute.
__device__ __forceinline__ double2 box_muller(unsigned int w1, unsigned int w2)
{
    double u1 = ((double)w1 + 0.5) * (1.0 / 4294967296.0);
    double u2 = (double)w2 * (1.0 / 4294967296.0);
    double r = sqrt(-2.0 * log(u1));
    double sin_theta, cos_theta;
    sincospi(2.0 * u2, &sin_theta, &cos_theta);
    return make_double2(r * cos_theta, r * sin_theta);
}

// shapes: y (n)
extern "C" __global__ void philox_uniform_f32(float* y, long long n, unsigned long long seed, unsigned long long offset)
{
    long long blocks = (n + 3) / 4;
    for (long long q = thread_index(); q < blocks; q += grid_stride())
    {
        uint4 w = philox_block(offset + (unsigned long long)q, seed);
        long long i = 4 * q;
        y[i] = to_uniform(w.x);
        if (i + 1 < n) y[i + 1] = to_uniform(w.y);
        if (i + 2 < n) y[i + 2] = to_uniform(w.z);
        if (i + 3 < n) y[i + 3] = to_uniform(w.w);
    }
}

// shapes: y (n)
extern "C" __global__ void philox_normal_f32(float* y, long long n, unsigned long long seed, unsigned long long offset)
{
    long long blocks = (n + 3) / 4;
    for (long long q = thread_index(); q < blocks; q += grid_stride())
    {
        uint4 w = philox_block(offset + (unsigned long long)q, seed);
        long long i = 4 * q;
        double2 first = box_muller(w.x, w.y);
        y[i] = (float)first.x;
        if (i + 1 < n) y[i + 1] = (float)first.y;
        if (i + 2 >= n) continue;
        double2 second = box_muller(w.z, w.w);
        y[i + 2] = (float)second.x;
        if (i + 3 < n) y[i + 3] = (float)second.y;
    }
}
