using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DafL.Backends.Cpu;

/// <summary>
/// Fused optimizer updates: one pass reads param, grad and state once and writes param and state once
/// (the update is memory-bound). Each element is computed with exactly PyTorch's operations in PyTorch's order:
/// its CPU <c>add(alpha=)</c> and <c>addcmul</c> are fused multiply-adds, <c>mul_</c>, <c>sqrt</c>, <c>div</c> and
/// <c>addcdiv</c> round each operation, so a step here equals torch.optim's bit for bit (checked by OptimTests).
/// </summary>
public sealed unsafe partial class CpuBackend
{
    public void SgdStep(Tensor param, Tensor grad, Tensor? momentumBuffer, SgdScalars s, bool firstStep)
    {
        float* p = param.Ptr, g = grad.Ptr, b = momentumBuffer == null ? null : momentumBuffer.Ptr;
        Parallelism.ForRanges(param.Numel, 1 << 15, (from, to) =>
        {
            long i = from;
            if (Simd.Has512)
                for (; i + 16 <= to; i += 16) Sgd512(p + i, g + i, b == null ? null : b + i, s, firstStep);
            for (; i + 8 <= to; i += 8) Sgd256(p + i, g + i, b == null ? null : b + i, s, firstStep);
            for (; i < to; i++) SgdScalar(p + i, g + i, b == null ? null : b + i, s, firstStep);
        });
    }

    public void AdamStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamScalars s)
    {
        float* p = param.Ptr, g = grad.Ptr, m = expAvg.Ptr, v = expAvgSq.Ptr;
        Parallelism.ForRanges(param.Numel, 1 << 15, (from, to) =>
        {
            long i = from;
            if (Simd.Has512)
                for (; i + 16 <= to; i += 16) Adam512(p + i, g + i, m + i, v + i, s);
            for (; i + 8 <= to; i += 8) Adam256(p + i, g + i, m + i, v + i, s);
            for (; i < to; i++) AdamScalar(p + i, g + i, m + i, v + i, s);
        });
    }

    // ---------------------------------------------------------------- SGD, 16 / 8 / 1 elements at p, g, b

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Sgd512(float* p, float* g, float* b, in SgdScalars s, bool first)
    {
        var pv = Vector512.Load(p);
        var d = Vector512.Load(g);
        if (s.WeightDecay != 0) d = Vector512.FusedMultiplyAdd(pv, Vector512.Create(s.WeightDecay), d);
        if (b != null)
        {
            var buf = first ? d : Vector512.FusedMultiplyAdd(d, Vector512.Create(s.DampeningComplement), Vector512.Load(b) * Vector512.Create(s.Momentum));
            Vector512.Store(buf, b);
            d = s.Nesterov ? Vector512.FusedMultiplyAdd(buf, Vector512.Create(s.Momentum), d) : buf;
        }
        Vector512.Store(Vector512.FusedMultiplyAdd(d, Vector512.Create(s.NegLr), pv), p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Sgd256(float* p, float* g, float* b, in SgdScalars s, bool first)
    {
        var pv = Vector256.Load(p);
        var d = Vector256.Load(g);
        if (s.WeightDecay != 0) d = Vector256.FusedMultiplyAdd(pv, Vector256.Create(s.WeightDecay), d);
        if (b != null)
        {
            var buf = first ? d : Vector256.FusedMultiplyAdd(d, Vector256.Create(s.DampeningComplement), Vector256.Load(b) * Vector256.Create(s.Momentum));
            Vector256.Store(buf, b);
            d = s.Nesterov ? Vector256.FusedMultiplyAdd(buf, Vector256.Create(s.Momentum), d) : buf;
        }
        Vector256.Store(Vector256.FusedMultiplyAdd(d, Vector256.Create(s.NegLr), pv), p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void SgdScalar(float* p, float* g, float* b, in SgdScalars s, bool first)
    {
        float pv = *p, d = *g;
        if (s.WeightDecay != 0) d = MathF.FusedMultiplyAdd(pv, s.WeightDecay, d);
        if (b != null)
        {
            float buf = first ? d : MathF.FusedMultiplyAdd(d, s.DampeningComplement, *b * s.Momentum);
            *b = buf;
            d = s.Nesterov ? MathF.FusedMultiplyAdd(buf, s.Momentum, d) : buf;
        }
        *p = MathF.FusedMultiplyAdd(d, s.NegLr, pv);
    }

    // ---------------------------------------------------------------- Adam, 16 / 8 / 1 elements at p, g, m, v

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Adam512(float* p, float* g, float* m, float* v, in AdamScalars s)
    {
        var pv = Vector512.Load(p);
        var gv = Vector512.Load(g);
        if (s.WeightDecay != 0) gv = Vector512.FusedMultiplyAdd(pv, Vector512.Create(s.WeightDecay), gv);
        var mv = Vector512.FusedMultiplyAdd(gv, Vector512.Create(s.OneMinusBeta1), Vector512.Load(m) * Vector512.Create(s.Beta1));
        var vv = Vector512.FusedMultiplyAdd(gv * Vector512.Create(s.OneMinusBeta2), gv, Vector512.Load(v) * Vector512.Create(s.Beta2));
        Vector512.Store(mv, m);
        Vector512.Store(vv, v);
        var denom = Vector512.Sqrt(vv) / Vector512.Create(s.BiasCorrection2Sqrt) + Vector512.Create(s.Eps);
        Vector512.Store(pv + Vector512.Create(s.NegStepSize) * mv / denom, p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Adam256(float* p, float* g, float* m, float* v, in AdamScalars s)
    {
        var pv = Vector256.Load(p);
        var gv = Vector256.Load(g);
        if (s.WeightDecay != 0) gv = Vector256.FusedMultiplyAdd(pv, Vector256.Create(s.WeightDecay), gv);
        var mv = Vector256.FusedMultiplyAdd(gv, Vector256.Create(s.OneMinusBeta1), Vector256.Load(m) * Vector256.Create(s.Beta1));
        var vv = Vector256.FusedMultiplyAdd(gv * Vector256.Create(s.OneMinusBeta2), gv, Vector256.Load(v) * Vector256.Create(s.Beta2));
        Vector256.Store(mv, m);
        Vector256.Store(vv, v);
        var denom = Vector256.Sqrt(vv) / Vector256.Create(s.BiasCorrection2Sqrt) + Vector256.Create(s.Eps);
        Vector256.Store(pv + Vector256.Create(s.NegStepSize) * mv / denom, p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void AdamScalar(float* p, float* g, float* m, float* v, in AdamScalars s)
    {
        float pv = *p, gv = *g;
        if (s.WeightDecay != 0) gv = MathF.FusedMultiplyAdd(pv, s.WeightDecay, gv);
        float mv = MathF.FusedMultiplyAdd(gv, s.OneMinusBeta1, *m * s.Beta1);
        float vv = MathF.FusedMultiplyAdd(gv * s.OneMinusBeta2, gv, *v * s.Beta2);
        *m = mv;
        *v = vv;
        float denom = MathF.Sqrt(vv) / s.BiasCorrection2Sqrt + s.Eps;
        *p = pv + s.NegStepSize * mv / denom;
    }
}
