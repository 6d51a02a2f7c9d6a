using DafL.Autograd;
using DafL.Random;

namespace DafL.Tests.Support;

/// <summary>
/// Finite-difference gradient check. The op's output is reduced to L = Σ wᵢ·outᵢ with random weights w
/// (so every output element's gradient path is exercised), L is summed in float64 on the host, and each input
/// element's analytic gradient is compared with the central difference (L(x+h) − L(x−h)) / 2h.
/// float32 forward passes make the numeric side noisy at about 1e-3 relative; the default tolerances allow that.
/// </summary>
public static class GradCheck
{
    /// <param name="op">Builds the output from the inputs (called many times; must be deterministic).</param>
    /// <param name="inputs">Leaf tensors; those with RequiresGrad are checked.</param>
    /// <param name="h">Finite-difference step.</param>
    /// <param name="atol">Absolute tolerance on each gradient element.</param>
    /// <param name="rtol">Relative tolerance on each gradient element.</param>
    /// <param name="maxElementsPerInput">Checks at most this many elements of each input (spread evenly).</param>
    public static void Check(Func<Tensor[], Tensor> op, Tensor[] inputs, double h = 1e-2, double atol = 2e-3, double rtol = 2e-2, int maxElementsPerInput = 64, ulong seed = 7)
    {
        using var scope = TensorScope.Begin();
        float[] weights;
        {
            using var probe = NoGradForward(op, inputs);
            using var w = Tensor.Randn(probe.Shape, new Philox(seed));
            weights = w.ToArray();
        }

        foreach (var t in inputs) t.ZeroGrad();
        using (var outT = op(inputs))
        {
            using var wT = Tensor.FromArray(weights, outT.Shape);
            outT.Backward(wT);
        }

        for (int k = 0; k < inputs.Length; k++)
        {
            var x = inputs[k];
            if (!x.RequiresGrad) continue;
            if (x.Grad == null) throw new AssertionException($"GradCheck: input {k} {Tensor.ShapeString(x.Shape)} received no gradient.");
            var analytic = x.Grad.ToArray();
            long n = x.Numel;
            long step = Math.Max(1, n / maxElementsPerInput);
            var data = x.Span;
            for (long i = 0; i < n; i += step)
            {
                float saved = data[(int)i];
                data[(int)i] = (float)(saved + h);
                double plus = Loss(op, inputs, weights);
                data[(int)i] = (float)(saved - h);
                double minus = Loss(op, inputs, weights);
                data[(int)i] = saved;
                double numeric = (plus - minus) / (2 * h);
                double a = analytic[i];
                if (Math.Abs(a - numeric) > atol + rtol * Math.Abs(numeric))
                    throw new AssertionException($"GradCheck: input {k} {Tensor.ShapeString(x.Shape)} element {i}: analytic {a:G6} vs numeric {numeric:G6} (atol {atol}, rtol {rtol}).");
            }
            x.ZeroGrad();
        }
    }

    static Tensor NoGradForward(Func<Tensor[], Tensor> op, Tensor[] inputs)
    {
        using var _ = GradMode.NoGrad();
        return op(inputs);
    }

    static double Loss(Func<Tensor[], Tensor> op, Tensor[] inputs, float[] weights)
    {
        using var scope = TensorScope.Begin();
        using var o = NoGradForward(op, inputs);
        var v = o.ToArray();
        double sum = 0;
        for (int i = 0; i < v.Length; i++) sum += (double)v[i] * weights[i];
        return sum;
    }

    /// <summary>
    /// A leaf tensor of standard normals × <paramref name="scale"/> that requires grad (untracked: the caller
    /// disposes it). Values closer to 0 than <paramref name="minAbs"/> are pushed out to ±minAbs, so that ops with a
    /// kink at 0 (relu, abs) are not probed across it.
    /// </summary>
    public static Tensor Input(int[] shape, ulong seed, float scale = 1f, float minAbs = 0f)
    {
        using var _ = TensorScope.Untracked();
        var t = Tensor.Randn(shape, new Philox(seed));
        var s = t.Span;
        for (int i = 0; i < s.Length; i++)
        {
            float v = s[i] * scale;
            if (MathF.Abs(v) < minAbs) v = v < 0 ? -minAbs : minAbs;
            s[i] = v;
        }
        t.RequiresGrad = true;
        return t;
    }
}
