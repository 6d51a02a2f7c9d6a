using System.Runtime.Intrinsics;

namespace DafL.Backends.Cpu;

/// <summary>
/// DAFL's generator losses, fused. The information-entropy loss needs the batch mean of the softmax, a reduction
/// across rows, so both passes recompute the row softmaxes instead of keeping an (N, K) buffer alive between
/// forward and backward.
/// </summary>
public sealed unsafe partial class CpuBackend
{
    public void InformationEntropy(Tensor logits, Tensor loss, float scale)
    {
        var mean = BatchMeanSoftmax(logits);
        double total = 0;
        foreach (var p in mean) total += p > 0 ? p * Math.Log(p) : 0; // 0·ln 0 = 0
        loss.Ptr[0] = (float)(scale * total);
    }

    public void InformationEntropyBackward(Tensor logits, Tensor gLoss, Tensor gLogits, float scale)
    {
        // L = scale·Σₖ p̄ₖ ln p̄ₖ  ⇒  ∂L/∂pᵢₖ = (scale/N)·(ln p̄ₖ + 1). The +1 is the same for every k, and a softmax's
        // backward ignores a constant shift of its incoming gradient, so gₖ = scale·ln p̄ₖ and the row backward is
        // pᵢ·(g − Σₖ pᵢₖ gₖ), times gLoss/N. Where p̄ₖ = 0 every pᵢₖ is 0 too, and gₖ = 0 keeps 0·(−∞) out.
        long rows = logits.Shape[0], classes = logits.Shape[1];
        var mean = BatchMeanSoftmax(logits);
        var g = new float[classes];
        for (long k = 0; k < classes; k++) g[k] = mean[k] > 0 ? (float)(scale * Math.Log(mean[k])) : 0f;
        float factor = gLoss.Ptr[0] / rows;
        float* px = logits.Ptr, pg = gLogits.Ptr;
        Parallelism.ForRanges(rows, Math.Max(1, RowGrain / classes), (from, to) =>
        {
            fixed (float* pk = g)
            {
                for (long i = from; i < to; i++)
                {
                    float* row = pg + i * classes;
                    SoftmaxRow(px + i * classes, row, classes);
                    SoftmaxBackwardRow(row, pk, row, classes);
                    Simd.Affine(row, factor, 0f, row, classes);
                }
            }
        });
    }

    public void AbsSum(Tensor x, Tensor loss, float scale)
    {
        float* px = x.Ptr;
        loss.Ptr[0] = (float)(scale * DeterministicSum(x.Numel, SumChunk, (from, to) => Simd.SumAbsInDouble(px + from, to - from)));
    }

    public void AbsSumBackward(Tensor x, Tensor gLoss, Tensor gx, float scale)
    {
        float* px = x.Ptr, pg = gx.Ptr;
        float c = gLoss.Ptr[0] * scale;
        Parallelism.ForRanges(x.Numel, ElementwiseGrain, (from, to) =>
        {
            long i = from;
            if (Simd.Has512)
            {
                var vc = Vector512.Create(c);
                for (; i + 16 <= to; i += 16) Vector512.Store(vc * Sign(Vector512.Load(px + i)), pg + i);
            }
            for (; i < to; i++) pg[i] = c * Sign(px[i]);
        });
    }

    /// <summary>p̄ₖ = (1/N) Σᵢ softmax(logitsᵢ)ₖ in float64 for logits (N, K); row chunks add their partials in order.</summary>
    static double[] BatchMeanSoftmax(Tensor logits)
    {
        long rows = logits.Shape[0], classes = logits.Shape[1];
        float* px = logits.Ptr;
        long grain = Math.Max(1, RowGrain / classes);
        long chunks = (rows + grain - 1) / grain;
        var partials = new double[chunks][];
        Parallel.For(0, chunks, Parallelism.OneThreadPerCore, c =>
        {
            var acc = new double[classes];
            var probs = new float[classes];
            fixed (double* pa = acc)
            fixed (float* pp = probs)
            {
                for (long i = c * grain; i < Math.Min(rows, (c + 1) * grain); i++)
                {
                    SoftmaxRow(px + i * classes, pp, classes);
                    AccumulateWide(pa, pp, classes);
                }
            }
            partials[c] = acc;
        });
        var mean = new double[classes];
        foreach (var part in partials)
            for (long k = 0; k < classes; k++) mean[k] += part[k];
        for (long k = 0; k < classes; k++) mean[k] /= rows;
        return mean;
    }
}
