namespace DafL.Training.Diagnostics;

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
            var x = r.FromHost(Array.ConvertAll(r.Data.Distributions(b, k), MathF.Log), b, k);
            var t = r.Distributions(b, k);
            var loss = r.Output();
            r.B.KlDiv(x, t, loss, batchMean);
            r.Read("loss", loss);
        });
        yield return new("KlDivBackward", "both gradients", S(b, k), ParityTolerance.Fp32, r =>
        {
            var x = r.FromHost(Array.ConvertAll(r.Data.Distributions(b, k), MathF.Log), b, k);
            var t = r.Distributions(b, k);
            var gLoss = r.FromHost([0.9f]);
            var gx = r.Output(b, k);
            var gt = r.Output(b, k);
            r.B.KlDivBackward(x, t, gLoss, gx, gt, batchMean);
            r.Read("gLogProbs", gx);
            r.Read("gTarget", gt);
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
}
