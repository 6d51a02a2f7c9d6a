namespace DafL.Training.Diagnostics;

public static partial class ParityCases
{
    /// <summary>DAFL's fused generator losses: information entropy of the teacher's mean prediction, and the activation loss.</summary>
    static IEnumerable<ParityCase> Dafl(ParitySizes z)
    {
        int b = z.Batch, k = z.Classes;
        (string Name, float Scale)[] entropies = [("official: log10", 1f / MathF.Log(10)), ("paper: ln, 1/K", 1f / k)];
        foreach (var (name, scale) in entropies)
        {
            yield return new("InformationEntropy", name, S(b, k), ParityTolerance.Fp32, r =>
            {
                var logits = r.Uniform(-8, 8, b, k);
                var loss = r.Output();
                r.B.InformationEntropy(logits, loss, scale);
                r.Read("loss", loss);
            });
            yield return new("InformationEntropyBackward", name, S(b, k), ParityTolerance.Fp32, r =>
            {
                var logits = r.Uniform(-8, 8, b, k);
                var gLoss = r.FromHost([5f]);
                var g = r.Output(b, k);
                r.B.InformationEntropyBackward(logits, gLoss, g, scale);
                r.Read("gLogits", g);
            });
        }
        int[] features = [b, 120];                               // (B, 120): LeNet-5's features after ReLU
        float activationScale = -1f / (b * 120);
        yield return new("AbsSum", "official: −mean |f|", S(features), ParityTolerance.Fp32, r =>
        {
            var f = r.Uniform(0, 3, features);
            var loss = r.Output();
            r.B.AbsSum(f, loss, activationScale);
            r.Read("loss", loss);
        });
        yield return new("AbsSumBackward", "official: −mean |f|", S(features), ParityTolerance.Elementwise, r =>
        {
            var f = r.Normal(features);
            var gLoss = r.FromHost([0.1f]);
            var g = r.Output(features);
            r.B.AbsSumBackward(f, gLoss, g, activationScale);
            r.Read("gx", g);
        });
    }
}
