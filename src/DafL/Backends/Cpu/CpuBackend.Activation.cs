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
            for (; i < to; i++) po[i] = px[i] > 0 ? pg[i] : pg[i] * slope;
        });
    }

    public void Tanh(Tensor x, Tensor y)
    {
        float* px = x.Ptr, py = y.Ptr;
        Parallelism.ForRanges(x.Numel, 1 << 16, (from, to) =>
        {
            long i = from;
            if (Simd.Has512)
                for (; i + 16 <= to; i += 16) Vector512.Store(Simd.Tanh(Vector512.Load(px + i)), py + i);
            for (; i + 8 <= to; i += 8) Vector256.Store(Simd.Tanh(Vector256.Load(px + i)), py + i);
            for (; i < to; i++) py[i] = MathF.Tanh(px[i]);
        });
    }

    public void TanhBackward(Tensor y, Tensor gy, Tensor gx)
    {
        float* py = y.Ptr, pg = gy.Ptr, po = gx.Ptr;
        Parallelism.ForRanges(y.Numel, 1 << 16, (from, to) =>
        {
            long i = from;
            if (Simd.Has512)
            {
                for (; i + 16 <= to; i += 16)
                {
                    var v = Vector512.Load(py + i);
                    Vector512.Store(Vector512.Load(pg + i) * Vector512.FusedMultiplyAdd(-v, v, Vector512<float>.One), po + i);
                }
            }
            for (; i < to; i++) po[i] = pg[i] * MathF.FusedMultiplyAdd(-py[i], py[i], 1f);
        });
    }

    public void Sigmoid(Tensor x, Tensor y)
    {
        float* px = x.Ptr, py = y.Ptr;
        Parallelism.ForRanges(x.Numel, 1 << 16, (from, to) =>
        {
            long i = from;
            if (Simd.Has512)
                for (; i + 16 <= to; i += 16) Vector512.Store(Simd.Sigmoid(Vector512.Load(px + i)), py + i);
            for (; i + 8 <= to; i += 8) Vector256.Store(Simd.Sigmoid(Vector256.Load(px + i)), py + i);
            for (; i < to; i++)
            {
                float e = MathF.Exp(-MathF.Abs(px[i])), r = 1f / (1f + e);
                py[i] = px[i] >= 0 ? r : e * r;
            }
        });
    }

    public void SigmoidBackward(Tensor y, Tensor gy, Tensor gx)
    {
        float* py = y.Ptr, pg = gy.Ptr, po = gx.Ptr;
        Parallelism.ForRanges(y.Numel, 1 << 16, (from, to) =>
        {
            long i = from;
            if (Simd.Has512)
            {
                for (; i + 16 <= to; i += 16)
                {
                    var v = Vector512.Load(py + i);
                    Vector512.Store(Vector512.Load(pg + i) * (v * (Vector512<float>.One - v)), po + i);
                }
            }
            for (; i < to; i++) po[i] = pg[i] * (py[i] * (1f - py[i]));
        });
    }
}
