namespace DafL.Backends.Conformance;

public static partial class ParityCases
{
    /// <summary>Matrix products with every combination of transpose flags, with and without accumulation into c, and an empty inner dimension.</summary>
    static IEnumerable<ParityCase> Linalg(ParitySizes z, bool tf32)
    {
        var tolerance = ParityTolerance.Matrix(tf32);
        (string Name, int M, int K, int N)[] problems =
        [
            ("generator l1", z.Batch, z.Latent, z.Width * (z.Image / 4) * (z.Image / 4)), // (B, L) → (B, W·8·8)
            ("LeNet-5 fc2", z.Batch, 84, z.Classes),                                       // (B, 84) → (B, K)
        ];
        // beta 0 must not read c (it holds NaN); beta 2 reads it.
        (string Name, float Alpha, float Beta)[] scalings = [("", 1f, 0f), (", alpha −0.5, beta 2", -0.5f, 2f)];
        foreach (var (name, m, k, n) in problems)
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                    foreach (var (scaling, alpha, beta) in scalings)
                    {
                        int[] aShape = transA ? [k, m] : [m, k], bShape = transB ? [n, k] : [k, n];
                        string flags = $"{(transA ? "T" : "N")}{(transB ? "T" : "N")}";
                        yield return new("MatMul", $"{name}, {flags}{scaling}", $"{S(aShape)} · {S(bShape)}", tolerance, r =>
                        {
                            var a = r.Normal(aShape);
                            var bm = r.Normal(bShape);
                            var c = beta == 0 ? r.Output(m, n) : r.Normal(m, n);
                            r.B.MatMul(a, transA, bm, transB, c, alpha, beta);
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
        // With K = 0 there is no product: c = beta·c rounds once (TF32 or not), and beta 0 gives zeros.
        foreach (float beta in new[] { 3f, 0f })
            yield return new("MatMul", $"empty inner dimension, beta {beta}", $"{S(z.Batch, 0)} · {S(0, z.Classes)}", ParityTolerance.Exact, r =>
            {
                var a = r.Normal(z.Batch, 0);
                var bm = r.Normal(0, z.Classes);
                var c = beta == 0 ? r.Output(z.Batch, z.Classes) : r.Normal(z.Batch, z.Classes);
                r.B.MatMul(a, false, bm, false, c, 1f, beta);
                r.Read("c", c);
            });
    }
}
