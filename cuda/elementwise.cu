// elementwise.cu: one-input and two-input maps, NumPy broadcasting, strided copies.
// Over 300 lines on purpose: one file for the elementwise family, whose same-shape, broadcast and strided maps share
// the op functors and the launch contract below (a third of the file), and which the tests compile as one module.
//
// Mirrors src/DafL/Backends/Cpu/CpuBackend.Core.cs (Fill, CopyStrided, AddInPlace),
// CpuBackend.Activation.cs (LeakyRelu, Tanh, Sigmoid), CpuBackend.Elementwise.cs (Binary, Unary, UnaryBackward, Affine)
// and CpuBackend.Reduce.cs (Expand); contracts in IBackend.Core/Activation/Elementwise/Reduce.cs.
//
// Kernels (all float32, n = element count):
//   fill_f32                (y, n, value)                       y = value
//   leaky_relu_forward_f32  (x, y, n, slope)                    y = x > 0 ? x : x·slope   (slope 0: ReLU)
//   leaky_relu_backward_f32 (x, gy, gx, n, slope)               gx = x > 0 ? gy : gy·slope
//   tanh_forward_f32        (x, y, n)                           y = tanh x
//   tanh_backward_f32       (y, gy, gx, n)                      gx = gy·fma(−y, y, 1)   from the forward output y
//   sigmoid_forward_f32     (x, y, n)                           y = 1/(1 + e^−x)        e^−|x| based: no overflow
//   sigmoid_backward_f32    (y, gy, gx, n)                      gx = gy·(y·(1 − y))     from the forward output y
//   abs_forward_f32 / exp_forward_f32 / log_forward_f32 / log10_forward_f32   (x, y, n)
//   abs_backward_f32        (x, gy, gx, n)                      gx = gy·sign x   (0 at ±0 and NaN)
//   exp_backward_f32        (y, gy, gx, n)                      gx = gy·y        from the forward output y = eˣ
//   log_backward_f32        (x, gy, gx, n)                      gx = gy / x
//   log10_backward_f32      (x, gy, gx, n)                      gx = gy·(1/ln 10) / x
//   affine_f32              (x, y, n, a, b)                     y = fma(x, a, b)  (Scale: b = 0; Neg: a = −1, b = 0)
//   add_f32 / sub_f32 / mul_f32 (a, b, y, n)                    same shapes: y = a ∘ b
//   add_in_place_f32        (dst, src, n)                       dst += src
//   add_broadcast_f32 / sub_broadcast_f32 / mul_broadcast_f32 (a, b, y, layout)   NumPy broadcasting
//   expand_f32              (x, y, layout, scale)               y = scale·x broadcast to y (SumTo's adjoint)
//   copy_strided_f32        (src, dst, layout)                  any strides to any strides, rank ≤ 8
//
// Launch: every kernel is a grid-stride loop over its elements, so any 1-D grid and any 1-D block work.
// Default: 256 threads, min(ceil(n / 256), 32·SM count) blocks (the float4 maps need only a quarter of that).
// No shared memory. Each output element is written by exactly one thread, and every result is a pure
// function of the inputs: nothing depends on the launch shape.
//
// float4: the same-shape maps read and write four floats at a time when every pointer they touch is 16-byte
// aligned. Tensors can be views at any element offset, so the kernels test the addresses themselves
// (the test is uniform across the grid, so it does not diverge); otherwise, and for the n mod 4 tail, they go
// one float at a time.
//
// Rounding: compiled with --fmad=false, like every file here (cuda/README.md, "Compiling"): .NET never
// contracts a·b + c into a fused multiply-add, so the GPU must not either; where the CPU fuses on purpose
// (affine, tanh backward) the kernels call fmaf. Results then match the CPU's bit for bit except in the
// transcendental functions: CUDA's expf/logf/log10f/tanhf are within 2 ulp of the exact value, the CPU's
// within 1–2, so the two differ by a few ulp at most.
//
// Broadcast layout (the C# side is BroadcastLayout.Create(y.Shape, a.Shape, b.Shape)): the merged dimensions,
// outermost first, with each operand's element stride along them (0 where it broadcasts). The struct is passed
// by value; the C# mirror is a sequential struct of 25 uint32 (100 bytes, 4-byte aligned):
//   uint sizes[8]; uint a_strides[8]; uint b_strides[8]; uint rank;   (rank 0: one element)
// Indices are 32-bit: the host sends a broadcast with fewer than 2³¹ output elements (it throws above that).
// expand_f32 uses the same struct with x in the a slot (BroadcastLayout.Create(y.Shape, x.Shape)); b is unused.
//
// Strided-copy layout: sequential struct of int64 (200 bytes, 8-byte aligned):
//   long sizes[8]; long src_strides[8]; long dst_strides[8]; int rank; int unused_padding;
// Strides are in elements; src and dst already point at their tensors' first elements (storage + Offset).


#include "common.cuh"

// One loop per arity with the op as a small functor, so that each extern "C" kernel is one line naming its
// arithmetic. The templates stay inside this file: the C boundary has only the extern "C" kernels.

__device__ __forceinline__ bool aligned16(const void* p) { return ((unsigned long long)p & 15ull) == 0; }

// y[i] = op(x[i]) for i < n.
template <class Op>
__device__ void map_unary(const float* x, float* y, long long n, Op op)
{
    long long start = thread_index(), step = grid_stride(), head = 0;
    if (aligned16(x) && aligned16(y))
    {
        const float4* x4 = (const float4*)x;
        float4* y4 = (float4*)y;
        long long n4 = n / 4;
        for (long long i = start; i < n4; i += step)
        {
            float4 v = x4[i];
            y4[i] = make_float4(op(v.x), op(v.y), op(v.z), op(v.w));
        }
        head = n4 * 4;
    }
    for (long long i = head + start; i < n; i += step) y[i] = op(x[i]);
}

// y[i] = op(a[i], b[i]) for i < n. y may alias a or b (each element is read before it is written, by one thread).
template <class Op>
__device__ void map_binary(const float* a, const float* b, float* y, long long n, Op op)
{
    long long start = thread_index(), step = grid_stride(), head = 0;
    if (aligned16(a) && aligned16(b) && aligned16(y))
    {
        const float4* a4 = (const float4*)a;
        const float4* b4 = (const float4*)b;
        float4* y4 = (float4*)y;
        long long n4 = n / 4;
        for (long long i = start; i < n4; i += step)
        {
            float4 u = a4[i], v = b4[i];
            y4[i] = make_float4(op(u.x, v.x), op(u.y, v.y), op(u.z, v.z), op(u.w, v.w));
        }
        head = n4 * 4;
    }
    for (long long i = head + start; i < n; i += step) y[i] = op(a[i], b[i]);
}

struct BroadcastLayout
{
    unsigned int sizes[MAX_DIMS];
    unsigned int a_strides[MAX_DIMS];
    unsigned int b_strides[MAX_DIMS];
    unsigned int rank;
};

__device__ __forceinline__ unsigned int broadcast_numel(const BroadcastLayout& layout)
{
    unsigned int numel = 1;
#pragma unroll
    for (int d = 0; d < MAX_DIMS; d++)
        if (d < (int)layout.rank) numel *= layout.sizes[d];
    return numel;
}

// y[i] = op(a[offset_a(i)], b[offset_b(i)]) over y's elements in row-major order; offsets from the merged
// dimensions, innermost first. The dimension loops are unrolled over MAX_DIMS with a rank test, so every
// layout field is read at a constant index straight from the parameter space (a loop bounded by rank would
// index the struct dynamically and copy it to local memory first).
template <class Op>
__device__ void map_broadcast(const float* a, const float* b, float* y, const BroadcastLayout& layout, Op op)
{
    unsigned int numel = broadcast_numel(layout);
    unsigned int step = gridDim.x * blockDim.x;
    for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < numel; i += step)
    {
        unsigned int rest = i, offset_a = 0, offset_b = 0;
#pragma unroll
        for (int d = MAX_DIMS - 1; d >= 0; d--)
        {
            if (d >= (int)layout.rank) continue;
            unsigned int coordinate = rest % layout.sizes[d];
            rest /= layout.sizes[d];
            offset_a += coordinate * layout.a_strides[d];
            offset_b += coordinate * layout.b_strides[d];
        }
        y[i] = op(a[offset_a], b[offset_b]);
    }
}

// ---------------------------------------------------------------- ops

struct LeakyReluOp
{
    float slope;
    __device__ float operator()(float x) const { return x > 0.0f ? x : x * slope; }
};

// (x, gy) -> gx
struct LeakyReluGradOp
{
    float slope;
    __device__ float operator()(float x, float gy) const { return x > 0.0f ? gy : gy * slope; }
};

struct TanhOp { __device__ float operator()(float x) const { return tanhf(x); } };

// (y, gy) -> gy·(1 − y²), with 1 − y² as one fused multiply-add like the CPU.
struct TanhGradOp { __device__ float operator()(float y, float gy) const { return gy * fmaf(-y, y, 1.0f); } };

// e = e^−|x| never overflows; σ(x) = 1/(1 + e) for x ≥ 0 and e/(1 + e) below, as the CPU computes it.
struct SigmoidOp
{
    __device__ float operator()(float x) const
    {
        float e = expf(-fabsf(x)), r = 1.0f / (1.0f + e);
        return x >= 0.0f ? r : e * r;
    }
};

// (y, gy) -> gy·(y·(1 − y)), in the CPU's order.
struct SigmoidGradOp { __device__ float operator()(float y, float gy) const { return gy * (y * (1.0f - y)); } };

struct AbsOp { __device__ float operator()(float x) const { return fabsf(x); } };
struct ExpOp { __device__ float operator()(float x) const { return expf(x); } };
struct LogOp { __device__ float operator()(float x) const { return logf(x); } };
struct Log10Op { __device__ float operator()(float x) const { return log10f(x); } };

__device__ __forceinline__ float sign(float v) { return v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : 0.0f; }

// Derivatives as (gy, saved) -> gx, in the CPU's operand order.
struct AbsGradOp { __device__ float operator()(float gy, float x) const { return gy * sign(x); } };
struct MulOp { __device__ float operator()(float a, float b) const { return a * b; } };
struct DivOp { __device__ float operator()(float a, float b) const { return a / b; } };
struct Log10GradOp
{
    __device__ float operator()(float gy, float x) const { return gy * 0.4342944819032518f / x; }
};

struct AddOp { __device__ float operator()(float a, float b) const { return a + b; } };
struct SubOp { __device__ float operator()(float a, float b) const { return a - b; } };

struct AffineOp
{
    float a, b;
    __device__ float operator()(float x) const { return fmaf(x, a, b); }
};

// (x, unused) -> scale·x: the b slot of an expand layout is never walked.
struct ScaleFirstOp
{
    float scale;
    __device__ float operator()(float x, float) const { return scale * x; }
};

// ---------------------------------------------------------------- kernels

// shapes: y (n)
extern "C" __global__ void fill_f32(float* y, long long n, float value)
{
    long long start = thread_index(), step = grid_stride(), head = 0;
    if (aligned16(y))
    {
        float4* y4 = (float4*)y;
        long long n4 = n / 4;
        for (long long i = start; i < n4; i += step) y4[i] = make_float4(value, value, value, value);
        head = n4 * 4;
    }
    for (long long i = head + start; i < n; i += step) y[i] = value;
}

// shapes: x, y (n)
extern "C" __global__ void leaky_relu_forward_f32(const float* x, float* y, long long n, float slope)
{
    map_unary(x, y, n, LeakyReluOp{slope});
}

// shapes: x, gy, gx (n)
extern "C" __global__ void leaky_relu_backward_f32(const float* x, const float* gy, float* gx, long long n, float slope)
{
    map_binary(x, gy, gx, n, LeakyReluGradOp{slope});
}

// shapes: x, y (n)
extern "C" __global__ void tanh_forward_f32(const float* x, float* y, long long n) { map_unary(x, y, n, TanhOp{}); }

// shapes: y, gy, gx (n); y is the forward output
extern "C" __global__ void tanh_backward_f32(const float* y, const float* gy, float* gx, long long n)
{
    map_binary(y, gy, gx, n, TanhGradOp{});
}

// shapes: x, y (n)
extern "C" __global__ void sigmoid_forward_f32(const float* x, float* y, long long n) { map_unary(x, y, n, SigmoidOp{}); }

// shapes: y, gy, gx (n); y is the forward output
extern "C" __global__ void sigmoid_backward_f32(const float* y, const float* gy, float* gx, long long n)
{
    map_binary(y, gy, gx, n, SigmoidGradOp{});
}

// shapes: x, y (n)
extern "C" __global__ void abs_forward_f32(const float* x, float* y, long long n) { map_unary(x, y, n, AbsOp{}); }
extern "C" __global__ void exp_forward_f32(const float* x, float* y, long long n) { map_unary(x, y, n, ExpOp{}); }
extern "C" __global__ void log_forward_f32(const float* x, float* y, long long n) { map_unary(x, y, n, LogOp{}); }
extern "C" __global__ void log10_forward_f32(const float* x, float* y, long long n) { map_unary(x, y, n, Log10Op{}); }

// shapes: saved, gy, gx (n); saved is x for abs/log/log10 and the forward output y = eˣ for exp
extern "C" __global__ void abs_backward_f32(const float* x, const float* gy, float* gx, long long n)
{
    map_binary(gy, x, gx, n, AbsGradOp{});
}
extern "C" __global__ void exp_backward_f32(const float* y, const float* gy, float* gx, long long n)
{
    map_binary(gy, y, gx, n, MulOp{});
}
extern "C" __global__ void log_backward_f32(const float* x, const float* gy, float* gx, long long n)
{
    map_binary(gy, x, gx, n, DivOp{});
}
extern "C" __global__ void log10_backward_f32(const float* x, const float* gy, float* gx, long long n)
{
    map_binary(gy, x, gx, n, Log10GradOp{});
}

// shapes: x, y (n); y may alias x
extern "C" __global__ void affine_f32(const float* x, float* y, long long n, float a, float b)
{
    map_unary(x, y, n, AffineOp{a, b});
}

// shapes: a, b, y (n): the same-shape case of Binary
extern "C" __global__ void add_f32(const float* a, const float* b, float* y, long long n) { map_binary(a, b, y, n, AddOp{}); }
extern "C" __global__ void sub_f32(const float* a, const float* b, float* y, long long n) { map_binary(a, b, y, n, SubOp{}); }
extern "C" __global__ void mul_f32(const float* a, const float* b, float* y, long long n) { map_binary(a, b, y, n, MulOp{}); }

// shapes: dst, src (n)
extern "C" __global__ void add_in_place_f32(float* dst, const float* src, long long n) { map_binary(dst, src, dst, n, AddOp{}); }

// shapes: y (layout.sizes…), a and b broadcast to it through their layout strides
extern "C" __global__ void add_broadcast_f32(const float* a, const float* b, float* y, BroadcastLayout layout)
{
    map_broadcast(a, b, y, layout, AddOp{});
}
extern "C" __global__ void sub_broadcast_f32(const float* a, const float* b, float* y, BroadcastLayout layout)
{
    map_broadcast(a, b, y, layout, SubOp{});
}
extern "C" __global__ void mul_broadcast_f32(const float* a, const float* b, float* y, BroadcastLayout layout)
{
    map_broadcast(a, b, y, layout, MulOp{});
}

// shapes: y (layout.sizes…), x broadcast to it through layout.a_strides
extern "C" __global__ void expand_f32(const float* x, float* y, BroadcastLayout layout, float scale)
{
    map_broadcast(x, x, y, layout, ScaleFirstOp{scale});
}

struct StridedCopyLayout
{
    long long sizes[MAX_DIMS];
    long long src_strides[MAX_DIMS];
    long long dst_strides[MAX_DIMS];
    int rank;
    int unused_padding;
};

// shapes: src and dst (layout.sizes…) with their own element strides
extern "C" __global__ void copy_strided_f32(const float* src, float* dst, StridedCopyLayout layout)
{
    long long numel = 1;
#pragma unroll
    for (int d = 0; d < MAX_DIMS; d++)
        if (d < layout.rank) numel *= layout.sizes[d];
    for (long long i = thread_index(); i < numel; i += grid_stride())
    {
        long long rest = i, offset_src = 0, offset_dst = 0;
#pragma unroll
        for (int d = MAX_DIMS - 1; d >= 0; d--)
        {
            if (d >= layout.rank) continue;
            long long coordinate = rest % layout.sizes[d];
            rest /= layout.sizes[d];
            offset_src += coordinate * layout.src_strides[d];
            offset_dst += coordinate * layout.dst_strides[d];
        }
        dst[offset_dst] = src[offset_src];
    }
}
