namespace DafL.Training.Diagnostics;

public static partial class ParityCases
{
    /// <summary>Sums to a broadcastable shape (each of the CPU's code paths), its adjoint, and argmax.</summary>
    static IEnumerable<ParityCase> Reduce(ParitySizes z)
    {
        int b = z.Batch, w = z.Width, k = z.Classes;
        (string Name, int[] X, int[] Y, float Scale)[] sums =
        [
            ("bias gradient Σ over N, H, W", [b, w, 8, 8], [w, 1, 1], 1f),
            ("Linear bias gradient Σ over rows", [b, k], [k], 1f),
            ("row sums", [b, k], [b, 1], 1f),
            ("mean of everything", [b, w, 8, 8], [], 1f / (b * w * 64)),
            ("keep C and W (generic path)", [b, w, 8, 8], [1, w, 1, 8], 0.5f),
        ];
        foreach (var (name, xShape, yShape, scale) in sums)
        {
            yield return new("SumTo", name, $"{S(xShape)} → {S(yShape)}", ParityTolerance.Fp32, r =>
            {
                var x = r.Normal(xShape);
                var y = r.Output(yShape);
                r.B.SumTo(x, y, scale);
                r.Read("y", y);
            });
            yield return new("Expand", name, $"{S(yShape)} → {S(xShape)}", ParityTolerance.Exact, r =>
            {
                var x = r.Normal(yShape);
                var y = r.Output(xShape);
                r.B.Expand(x, y, scale);
                r.Read("y", y);
            });
        }
        yield return new("Argmax", "predicted class, dim 1", S(b, k), ParityTolerance.Exact, r =>
        {
            var x = r.Normal(b, k);
            var y = r.Output(b);
            r.B.Argmax(x, y, 1);
            r.Read("y", y);
        });
        yield return new("Argmax", "dim 0 of (B, K) with ties", S(b, k), ParityTolerance.Exact, r =>
        {
            // Values rounded to halves tie often: the first maximum must win on every backend.
            var x = r.FromHost(Array.ConvertAll(r.Data.Uniform((long)b * k, 0, 2), v => MathF.Round(v * 2) / 2), b, k);
            var y = r.Output(k);
            r.B.Argmax(x, y, 0);
            r.Read("y", y);
        });
    }
}
