using System.Runtime.Intrinsics;

namespace DafL.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void LeakyRelu(Tensor x, Tensor y, float slope)
    {
        float* px = x.Ptr, py = y.Ptr;
        Parallelism.ForRanges(x.Numel, 1 << 16, (from, to) =>
        {
            long i = from;
            if (Simd.Has512)
            {
                var s = Vector512.Create(slope);
                for (; i + 16 <= to; i += 16)
                {
                    var v = Vector512.Load(px + i);
                    Vector512.Store(Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero), v, v * s), py + i);
                }
            }
            {
                // AVX2-only machines (and the tail of the 512-bit loop): without it every element takes a branch.
                var s = Vector256.Create(slope);
                for (; i + 8 <= to; i += 8)
                {
                    var v = Vector256.Load(px + i);
                    Vector256.Store(Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), v, v * s), py + i);
                }
            }
            for (; i < to; i++) py[i] = px[i] > 0 ? px[i] : px[i] * slope;
        });
    }

    public void LeakyReluBackward(Tensor x, Tensor gy, Tensor gx, float slope)
    {
        float* px = x.Ptr, pg = gy.Ptr, po = gx.Ptr;
        Parallelism.ForRanges(x.Numel, 1 << 16, (from, to) =>
        {
            long i = from;
            if (Simd.Has512)
            {
                var s = Vector512.Create(slope);
                for (; i + 16 <= to; i += 16)
                {
                    var g = Vector512.Load(pg + i);
                    Vector512.Store(Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Load(px + i), Vector512<float>.Zero), g, g * s), po + i);
                }
            }
            {
                var s = Vector256.Create(slope);
                for (; i + 8 <= to; i += 8)
                {
                    var g = Vector256.Load(pg + i);
                    Vector256.Store(Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Load(px + i), Vector256<float>.Zero), g, g * s), po + i);
                }
            }
            for (; i < to; i++) po[i] = px[i] > 0 ? pg[i] : pg[i] * slope;
        });
    }

    // Tanh and sigmoid are the elementwise maps of CpuBackend.Elementwise.cs (Map, Zip) with their own functions.
    public void Tanh(Tensor x, Tensor y) => Map<TanhOp>(x, y);

    public void TanhBackward(Tensor y, Tensor gy, Tensor gx) => Zip<TanhGradOp>(y, gy, gx);

    public void Sigmoid(Tensor x, Tensor y) => Map<SigmoidOp>(x, y);

    public void SigmoidBackward(Tensor y, Tensor gy, Tensor gx) => Zip<SigmoidGradOp>(y, gy, gx);

    readonly struct TanhOp : IUnaryKernel
    {
        public static Vector512<float> Apply(Vector512<float> x) => Simd.Tanh(x);
        public static Vector256<float> Apply(Vector256<float> x) => Simd.Tanh(x);
        public static float Apply(float x) => MathF.Tanh(x);
    }

    /// <summary>(y, gy) → gy·(1 − y²), with 1 − y² as one fused multiply-add.</summary>
    readonly struct TanhGradOp : IBinaryKernel
    {
        public static Vector512<float> Apply(Vector512<float> y, Vector512<float> gy) => gy * Vector512.FusedMultiplyAdd(-y, y, Vector512<float>.One);
        public static Vector256<float> Apply(Vector256<float> y, Vector256<float> gy) => gy * Vector256.FusedMultiplyAdd(-y, y, Vector256<float>.One);
        public static float Apply(float y, float gy) => gy * MathF.FusedMultiplyAdd(-y, y, 1f);
    }

    /// <summary>σ from e = e^−|x|, which never overflows: 1/(1 + e) for x ≥ 0, e/(1 + e) below.</summary>
    readonly struct SigmoidOp : IUnaryKernel
    {
        public static Vector512<float> Apply(Vector512<float> x) => Simd.Sigmoid(x);
        public static Vector256<float> Apply(Vector256<float> x) => Simd.Sigmoid(x);
        public static float Apply(float x)
        {
            float e = MathF.Exp(-MathF.Abs(x)), r = 1f / (1f + e);
            return x >= 0 ? r : e * r;
        }
    }

    /// <summary>(y, gy) → gy·(y·(1 − y)).</summary>
    readonly struct SigmoidGradOp : IBinaryKernel
    {
        public static Vector512<float> Apply(Vector512<float> y, Vector512<float> gy) => gy * (y * (Vector512<float>.One - y));
        public static Vector256<float> Apply(Vector256<float> y, Vector256<float> gy) => gy * (y * (Vector256<float>.One - y));
        public static float Apply(float y, float gy) => gy * (y * (1f - y));
    }
}
