using System.Runtime.Intrinsics;

namespace DafL.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void SgdStep(Tensor param, Tensor grad, Tensor? momentumBuffer, float lr, float momentum, float weightDecay, bool nesterov, bool firstStep)
    {
        float* p = param.Ptr, g = grad.Ptr;
        float* b = momentumBuffer == null ? null : momentumBuffer.Ptr;
        ParallelRanges(param.Numel, 1 << 15, (from, to) =>
        {
            for (long i = from; i < to; i++)
            {
                float d = g[i] + weightDecay * p[i];
                if (b != null)
                {
                    float buf = firstStep ? d : momentum * b[i] + d;
                    b[i] = buf;
                    d = nesterov ? d + momentum * buf : buf;
                }
                p[i] -= lr * d;
            }
        });
    }

    public void AdamStep(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay, int step)
    {
        // PyTorch's arithmetic order (single-tensor Adam). Its hyperparameters are Python doubles: the bias
        // corrections and complements are computed in double from the decimal values, then rounded to float.
        double b1 = AsDecimalDouble(beta1), b2 = AsDecimalDouble(beta2);
        double bc1 = 1 - Math.Pow(b1, step), bc2 = 1 - Math.Pow(b2, step);
        float stepSize = (float)(AsDecimalDouble(lr) / bc1);
        float sqrtBc2 = (float)Math.Sqrt(bc2);
        float c1 = (float)(1 - b1), c2 = (float)(1 - b2);
        float* p = param.Ptr, g = grad.Ptr, pm = m.Ptr, pv = v.Ptr;
        ParallelRanges(param.Numel, 1 << 15, (from, to) =>
        {
            long i = from;
            if (Simd.Has512)
            {
                var vb1 = Vector512.Create(beta1); var vb1c = Vector512.Create(c1);
                var vb2 = Vector512.Create(beta2); var vb2c = Vector512.Create(c2);
                var vwd = Vector512.Create(weightDecay); var veps = Vector512.Create(eps);
                var vs = Vector512.Create(stepSize); var vbc2 = Vector512.Create(sqrtBc2);
                for (; i + 16 <= to; i += 16)
                {
                    var pi = Vector512.Load(p + i);
                    var gi = Vector512.Load(g + i) + vwd * pi;
                    var mi = Vector512.Load(pm + i) * vb1 + gi * vb1c;
                    var vi = Vector512.Load(pv + i) * vb2 + gi * gi * vb2c;
                    Vector512.Store(mi, pm + i);
                    Vector512.Store(vi, pv + i);
                    var denom = Vector512.Sqrt(vi) / vbc2 + veps;
                    Vector512.Store(pi - vs * (mi / denom), p + i);
                }
            }
            for (; i < to; i++)
            {
                float gi = g[i] + weightDecay * p[i];
                float mi = pm[i] * beta1 + gi * c1;
                float vi = pv[i] * beta2 + gi * gi * c2;
                pm[i] = mi;
                pv[i] = vi;
                float denom = MathF.Sqrt(vi) / sqrtBc2 + eps;
                p[i] -= stepSize * (mi / denom);
            }
        });
    }

    /// <summary>The double a user meant when writing this float (0.9f → 0.9), as Python would hold it.</summary>
    static double AsDecimalDouble(float f) => (double)(decimal)f;
}
