namespace DafL.Backends.Conformance;

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
        const int threeChunks = 2 * 64 + 2;                      // the entropy sums its rows in chunks of 64
        yield return new("InformationEntropy", "official, rows in three chunks", S(threeChunks, k), ParityTolerance.Fp32, r =>
        {
            var logits = r.Uniform(-8, 8, threeChunks, k);
            var loss = r.Output();
            r.B.InformationEntropy(logits, loss, 1f / MathF.Log(10));
            r.Read("loss", loss);
        });
        yield return new("InformationEntropyBackward", "official, rows in three chunks", S(threeChunks, k), ParityTolerance.Fp32, r =>
        {
            var logits = r.Uniform(-8, 8, threeChunks, k);
            var gLoss = r.FromHost([1.3f]);
            var g = r.Output(threeChunks, k);
            r.B.InformationEntropyBackward(logits, gLoss, g, 1f / MathF.Log(10));
            r.Read("gLogits", g);
        });
        int[] features = [b, 120];                               // (B, 120): LeNet-5's features after ReLU
        float activationScale = -1f / (b * 120);
        yield return new("AbsSum", "official: −mean |f|", S(features), ParityTolerance.Fp32, r =>
        {
            var f = r.Uniform(0, 3, features);
            var loss = r.Output();
            r.B.AbsSum(f, loss, activationScale);
            r.Read("loss", loss);
        });
        // gLoss·scale rounds once; the sign then is exact.
        yield return new("AbsSumBackward", "official: −mean |f|", S(features), ParityTolerance.Exact, r =>
        {
            var f = r.Normal(features);
            var gLoss = r.FromHost([0.1f]);
            var g = r.Output(features);
            r.B.AbsSumBackward(f, gLoss, g, activationScale);
            r.Read("gx", g);
        });
        const int twoChunks = 65536 + 4465;                      // the whole sum takes 65536 elements a chunk
        yield return new("AbsSum", "two chunks, zeros among them", S(twoChunks), ParityTolerance.Fp32, r =>
        {
            var f = r.FromHost(WithSignedZeros(r.Data.Uniform(twoChunks, -2, 2)), twoChunks);
            var loss = r.Output();
            r.B.AbsSum(f, loss, 0.1f);
            r.Read("loss", loss);
        });
        yield return new("AbsSumBackward", "two chunks, sign(±0) = 0", S(twoChunks), ParityTolerance.Exact, r =>
        {
            var f = r.FromHost(WithSignedZeros(r.Data.Uniform(twoChunks, -2, 2)), twoChunks);
            var gLoss = r.FromHost([0.5f]);
            var g = r.Output(twoChunks);
            r.B.AbsSumBackward(f, gLoss, g, 0.1f);
            r.Read("gx", g);
        });
    }

    /// <summary>Puts 0 and −0 at a few places, where sign(x) must be 0.</summary>
    static float[] WithSignedZeros(float[] values)
    {
        for (int i = 5; i < values.Length; i += 997) values[i] = i % 2 == 0 ? 0f : -0f;
        return values;
    }
}
