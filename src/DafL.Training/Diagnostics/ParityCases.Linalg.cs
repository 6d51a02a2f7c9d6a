namespace DafL.Training.Diagnostics;

public static partial class ParityCases
{
    /// <summary>Matrix products with every combination of transpose flags, and accumulation into c.</summary>
    static IEnumerable<ParityCase> Linalg(ParitySizes z, bool tf32)
    {
        var tolerance = ParityTolerance.Matrix(tf32);
        (string Name, int M, int K, int N)[] problems =
        [
            ("generator l1", z.Batch, z.Latent, z.Width * (z.Image / 4) * (z.Image / 4)), // (B, L) → (B, W·8·8)
            ("LeNet-5 fc2", z.Batch, 84, z.Classes),                                       // (B, 84) → (B, K)
        ];
        foreach (var (name, m, k, n) in problems)
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                {
                    int[] aShape = transA ? [k, m] : [m, k], bShape = transB ? [n, k] : [k, n];
                    string flags = $"{(transA ? "T" : "N")}{(transB ? "T" : "N")}";
                    yield return new("MatMul", $"{name}, {flags}", $"{S(aShape)} · {S(bShape)}", tolerance, r =>
                    {
                        var a = r.Normal(aShape);
                        var bm = r.Normal(bShape);
                        var c = r.Output(m, n);
                        r.B.MatMul(a, transA, bm, transB, c, 1f, 0f);
                        r.Read("c", c);
                    });
                }
        int rows = z.Batch, inner = 120, cols = 84;              // LeNet-5 fc1's weight gradient, accumulated
        yield return new("MatMul", "fc1 weight gradient, TN, alpha 0.5, beta 1", $"{S(rows, cols)}ᵀ · {S(rows, inner)}", tolerance, r =>
        {
            var gy = r.Normal(rows, cols);
            var x = r.Normal(rows, inner);
            var c = r.Normal(cols, inner);
            r.B.MatMul(gy, true, x, false, c, 0.5f, 1f);
            r.Read("c", c);
        });
    }
}
