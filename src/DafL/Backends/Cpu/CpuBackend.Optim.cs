using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static DafL.Backends.Cpu.VectorOps;

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
                for (; i + 16 <= to; i += 16) Sgd<Vector512<float>>(p + i, g + i, b == null ? null : b + i, s, firstStep);
            for (; i + 8 <= to; i += 8) Sgd<Vector256<float>>(p + i, g + i, b == null ? null : b + i, s, firstStep);
            for (; i < to; i++) SgdScalar(p + i, g + i, b == null ? null : b + i, s, firstStep);
        });
    }

    public void AdamStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamScalars s)
    {
        float* p = param.Ptr, g = grad.Ptr, m = expAvg.Ptr, v = expAvgSq.Ptr;
        Parallelism.ForRanges(param.Numel, AdamGrain, (from, to) => AdamRange(p, g, m, v, s, from, to));
    }

    /// <summary>
    /// The group's tensors as one run of Σ numel elements cut into chunks by count, whatever the tensors' sizes (a
    /// chunk may span several small tensors or part of a big one). Elements are independent and every width computes
    /// an element alike, so where a chunk starts changes no bit.
    /// </summary>
    public void AdamStepMulti(Tensor[] param, Tensor[] grad, Tensor[] expAvg, Tensor[] expAvgSq, AdamScalars[] scalars)
    {
        long total = 0;
        foreach (var t in param) total += t.Numel;
        Parallelism.ForRanges(total, AdamGrain, (from, to) =>
        {
            long start = 0; // where tensor k begins in the run
            for (int k = 0; k < param.Length && start < to; start += param[k].Numel, k++)
            {
                long lo = Math.Max(from, start) - start, hi = Math.Min(to, start + param[k].Numel) - start;
                if (lo < hi) AdamRange(param[k].Ptr, grad[k].Ptr, expAvg[k].Ptr, expAvgSq[k].Ptr, scalars[k], lo, hi);
            }
        });
    }

    /// <summary>Elements per Adam task: the update is memory-bound, about 0.1 ns an element.</summary>
    const long AdamGrain = 1 << 15;

    /// <summary>Adam on elements [from, to) of one tensor.</summary>
    static void AdamRange(float* p, float* g, float* m, float* v, in AdamScalars s, long from, long to)
    {
        long i = from;
        if (Simd.Has512)
            for (; i + 16 <= to; i += 16) Adam<Vector512<float>>(p + i, g + i, m + i, v + i, s);
        for (; i + 8 <= to; i += 8) Adam<Vector256<float>>(p + i, g + i, m + i, v + i, s);
        for (; i < to; i++) AdamScalar(p + i, g + i, m + i, v + i, s);
    }

    // ---------------------------------------------------------------- SGD, one vector / 1 element at p, g, b

    /// <summary>One vector of SGD at either width (<see cref="VectorOps"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Sgd<TVector>(float* p, float* g, float* b, in SgdScalars s, bool first) where TVector : struct
    {
        var pv = Load<TVector>(p);
        var d = Load<TVector>(g);
        if (s.WeightDecay != 0) d = FusedMultiplyAdd(pv, Create<TVector>(s.WeightDecay), d);
        if (b != null)
        {
            var buf = first ? d : FusedMultiplyAdd(d, Create<TVector>(s.DampeningComplement), Multiply(Load<TVector>(b), Create<TVector>(s.Momentum)));
            Store(buf, b);
            d = s.Nesterov ? FusedMultiplyAdd(buf, Create<TVector>(s.Momentum), d) : buf;
        }
        Store(FusedMultiplyAdd(d, Create<TVector>(s.NegLr), pv), p);
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

    // ---------------------------------------------------------------- Adam, one vector / 1 element at p, g, m, v

    /// <summary>One vector of Adam at either width (<see cref="VectorOps"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Adam<TVector>(float* p, float* g, float* m, float* v, in AdamScalars s) where TVector : struct
    {
        var pv = Load<TVector>(p);
        var gv = Load<TVector>(g);
        if (s.WeightDecay != 0) gv = FusedMultiplyAdd(pv, Create<TVector>(s.WeightDecay), gv);
        var mv = FusedMultiplyAdd(gv, Create<TVector>(s.OneMinusBeta1), Multiply(Load<TVector>(m), Create<TVector>(s.Beta1)));
        var vv = FusedMultiplyAdd(Multiply(gv, Create<TVector>(s.OneMinusBeta2)), gv, Multiply(Load<TVector>(v), Create<TVector>(s.Beta2)));
        Store(mv, m);
        Store(vv, v);
        var denom = VectorOps.Add(Divide(Sqrt(vv), Create<TVector>(s.BiasCorrection2Sqrt)), Create<TVector>(s.Eps));
        Store(VectorOps.Add(pv, Divide(Multiply(Create<TVector>(s.NegStepSize), mv), denom)), p);
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
