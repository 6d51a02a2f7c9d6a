namespace DafL.Backends.Conformance;

public static partial class ParityCases
{
    /// <summary>Sums to a broadcastable shape (each of the CPU's code paths), its adjoint, and argmax.</summary>
    static IEnumerable<ParityCase> Reduce(ParitySizes z)
    {
        int b = z.Batch, w = z.Width, k = z.Classes;
        const int twoChunks = 65536 + 4464;                      // the chunked whole sums take 65536 elements a chunk
        // A sum that only drops size-1 dimensions is a scaled copy: one rounding.
        (string Name, int[] X, int[] Y, float Scale, ParityTolerance Sum)[] sums =
        [
            ("bias gradient Σ over N, H, W", [b, w, 8, 8], [w, 1, 1], 1f, ParityTolerance.Fp32),
            ("Linear bias gradient Σ over rows", [b, k], [k], 1f, ParityTolerance.Fp32),
            ("row sums", [b, k], [b, 1], 1f, ParityTolerance.Fp32),
            ("mean of everything", [b, w, 8, 8], [], 1f / (b * w * 64), ParityTolerance.Fp32),
            ("whole sum over two chunks", [twoChunks], [1], 0.5f, ParityTolerance.Fp32),
            ("columns with rows outside: (B, W, K) → (B, 1, K)", [b, w, k], [b, 1, k], 0.5f, ParityTolerance.Fp32),
            ("keep C and W (generic path)", [b, w, 8, 8], [1, w, 1, 8], 0.5f, ParityTolerance.Fp32),
            ("only size-1 dimensions differ: a scaled copy", [1, b, k], [b, k], 0.5f, ParityTolerance.Exact),
        ];
        foreach (var (name, xShape, yShape, scale, sumTolerance) in sums)
        {
            yield return new("SumTo", name, $"{S(xShape)} → {S(yShape)}", sumTolerance, r =>
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
        yield return new("SumTo", "nothing to sum, scale 1/0: NaN as in PyTorch", $"{S(0, k)} → {S(1, k)}", ParityTolerance.Exact, r =>
        {
            var x = r.Normal(0, k);
            var y = r.Output(1, k);
            r.B.SumTo(x, y, float.PositiveInfinity);
            r.Read("y", y);
        });
        yield return new("Argmax", "predicted class, dim 1", S(b, k), ParityTolerance.Exact, r =>
        {
            var x = r.Normal(b, k);
            var y = r.Output(b);
            r.B.Argmax(x, y, 1);
            r.Read("y", y);
        });
        yield return new("Argmax", "dim 0 of (B, K) with ties", S(b, k), ParityTolerance.Exact, r =>
        {
            var x = r.FromHost(Ties(r.Data, (long)b * k), b, k);
            var y = r.Output(k);
            r.B.Argmax(x, y, 0);
            r.Read("y", y);
        });
        int[] cube = [b + 1, w, k];                              // b + 1: a NaN in row 1 of dim 0 leaves a row without one
        for (int dim = 0; dim < cube.Length; dim++)
        {
            int along = dim;
            int[] reduced = [.. cube[..along], .. cube[(along + 1)..]];
            yield return new("Argmax", $"dim {along} of (B + 1, W, K) with ties and two NaN", S(cube), ParityTolerance.Exact, r =>
            {
                var values = Ties(r.Data, Tensor.NumelOf(cube));
                values[w * k + 1] = float.NaN;                   // NaN counts as larger than any number, the first one wins
                values[values.Length - 2] = float.NaN;
                var x = r.FromHost(values, cube);
                var y = r.Output(reduced);
                r.B.Argmax(x, y, along);
                r.Read("y", y);
            });
        }
    }

    /// <summary>Values rounded to halves in [0, 2], which tie often: the first maximum must win on every backend.</summary>
    static float[] Ties(ParityData data, long count) => Array.ConvertAll(data.Uniform(count, 0, 2), v => MathF.Round(v * 2) / 2);
}
