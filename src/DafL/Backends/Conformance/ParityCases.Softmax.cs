namespace DafL.Backends.Conformance;

public static partial class ParityCases
{
    /// <summary>Softmax and log-softmax, cross-entropy, KL divergence and the KD loss, each with its backward.</summary>
    static IEnumerable<ParityCase> Softmax(ParitySizes z)
    {
        int b = z.Batch, k = z.Classes;
        foreach (bool log in new[] { false, true })
            foreach (int dim in new[] { 1, 0 })
            {
                string name = $"{(log ? "log-softmax" : "softmax")}, dim {dim}";
                yield return new("Softmax", name, S(b, k), ParityTolerance.Fp32, r =>
                {
                    var x = r.Uniform(-8, 8, b, k);
                    var y = r.Output(b, k);
                    r.B.Softmax(x, y, dim, log);
                    r.Read("y", y);
                });
                yield return new("SoftmaxBackward", name, S(b, k), ParityTolerance.Fp32, r =>
                {
                    var y = log ? r.FromHost(Array.ConvertAll(r.Data.Distributions(b, k), MathF.Log), b, k) : r.Distributions(b, k);
                    var gy = r.Normal(b, k);
                    var gx = r.Output(b, k);
                    r.B.SoftmaxBackward(y, gy, gx, dim, log);
                    r.Read("gx", gx);
                });
            }
        // The middle dimension of a 3-D tensor (rows strided by the inner size), and rows wider than a block of 256.
        // The backward needs no real softmax for y: probabilities in (0, 1), or their logarithms.
        (string Name, int[] Shape)[] layouts = [("dim 1 of (B, K, 4)", [b, k, 4]), ("dim 1, rows of 1500", [5, 1500])];
        foreach (bool log in new[] { false, true })
            foreach (var (layout, shape) in layouts)
            {
                string name = $"{(log ? "log-softmax" : "softmax")}, {layout}";
                yield return new("Softmax", name, S(shape), ParityTolerance.Fp32, r =>
                {
                    var x = r.Uniform(-8, 8, shape);
                    var y = r.Output(shape);
                    r.B.Softmax(x, y, 1, log);
                    r.Read("y", y);
                });
                yield return new("SoftmaxBackward", name, S(shape), ParityTolerance.Fp32, r =>
                {
                    var y = log ? r.Uniform(-8, 0, shape) : r.Uniform(1e-3f, 1, shape);
                    var gy = r.Normal(shape);
                    var gx = r.Output(shape);
                    r.B.SoftmaxBackward(y, gy, gx, 1, log);
                    r.Read("gx", gx);
                });
            }
        yield return new("CrossEntropy", "teacher training loss", S(b, k), ParityTolerance.Fp32, r =>
        {
            var logits = r.Uniform(-8, 8, b, k);
            var targets = r.Classes(b, k);
            var loss = r.Output();
            r.B.CrossEntropy(logits, targets, loss);
            r.Read("loss", loss);
        });
        yield return new("CrossEntropyBackward", "gLoss 1.7", S(b, k), ParityTolerance.Fp32, r =>
        {
            var logits = r.Uniform(-8, 8, b, k);
            var targets = r.Classes(b, k);
            var gLoss = r.FromHost([1.7f]);
            var g = r.Output(b, k);
            r.B.CrossEntropyBackward(logits, targets, gLoss, g);
            r.Read("gLogits", g);
        });
        float batchMean = 1f / b;
        yield return new("KlDiv", "batchmean", S(b, k), ParityTolerance.Fp32, r =>
        {
            var (x, t) = KlInputs(r, b, k, zeros: false);
            var loss = r.Output();
            r.B.KlDiv(x, t, loss, batchMean);
            r.Read("loss", loss);
        });
        yield return KlBothGradients("both gradients", S(b, k), b, k, batchMean, zeros: false);
        yield return new("KlDiv", "targets with zeros: 0·ln 0 = 0", S(b, k), ParityTolerance.Fp32, r =>
        {
            var (x, t) = KlInputs(r, b, k, zeros: true);
            var loss = r.Output();
            r.B.KlDiv(x, t, loss, batchMean);
            r.Read("loss", loss);
        });
        yield return KlBothGradients("targets with zeros: NaN in gTarget there", S(b, k), b, k, batchMean, zeros: true);
        yield return new("KlDivBackward", "gLogProbs only, scale 2", S(b, k), ParityTolerance.Fp32, r =>
        {
            var (x, t) = KlInputs(r, b, k, zeros: false);
            var gLoss = r.FromHost([0.75f]);
            var gx = r.Output(b, k);
            r.B.KlDivBackward(x, t, gLoss, gx, null, 2f);
            r.Read("gLogProbs", gx);
        });
        foreach (float temperature in new[] { 1f, 4f })
        {
            yield return new("KdLoss", $"T = {temperature}", S(b, k), ParityTolerance.Fp32, r =>
            {
                var s = r.Uniform(-8, 8, b, k);
                var t = r.Uniform(-8, 8, b, k);
                var loss = r.Output();
                r.B.KdLoss(s, t, loss, temperature);
                r.Read("loss", loss);
            });
            yield return new("KdLossBackward", $"T = {temperature}", S(b, k), ParityTolerance.Fp32, r =>
            {
                var s = r.Uniform(-8, 8, b, k);
                var t = r.Uniform(-8, 8, b, k);
                var gLoss = r.FromHost([1f]);
                var g = r.Output(b, k);
                r.B.KdLossBackward(s, t, gLoss, g, temperature);
                r.Read("gStudent", g);
            });
        }
    }

    /// <summary>Sets every third probability to 0 (the rows then sum to less than 1, which the losses do not need).</summary>
    /// <summary>KlDivBackward with both gradients asked for, on <see cref="KlInputs"/>.</summary>
    static ParityCase KlBothGradients(string name, string shape, int b, int k, float scale, bool zeros) =>
        new("KlDivBackward", name, shape, ParityTolerance.Fp32, r =>
        {
            var (x, t) = KlInputs(r, b, k, zeros);
            var gLoss = r.FromHost([0.9f]);
            var gx = r.Output(b, k);
            var gt = r.Output(b, k);
            r.B.KlDivBackward(x, t, gLoss, gx, gt, scale);
            r.Read("gLogProbs", gx);
            r.Read("gTarget", gt);
        });

    /// <summary>KL's inputs: log-probabilities of one draw of distributions, and a second draw as the target (with zeros when asked).</summary>
    static (Tensor LogProbs, Tensor Targets) KlInputs(OpRun r, int b, int k, bool zeros)
    {
        var x = r.FromHost(Array.ConvertAll(r.Data.Distributions(b, k), MathF.Log), b, k);
        var t = zeros ? r.FromHost(WithZeros(r.Data.Distributions(b, k)), b, k) : r.Distributions(b, k);
        return (x, t);
    }

    static float[] WithZeros(float[] probabilities)
    {
        for (int i = 2; i < probabilities.Length; i += 3) probabilities[i] = 0;
        return probabilities;
    }
}
