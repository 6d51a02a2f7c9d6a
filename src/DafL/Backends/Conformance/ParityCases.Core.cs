namespace DafL.Backends.Conformance;

public static partial class ParityCases
{
    /// <summary>Memory, copies and the counter-based generator.</summary>
    static IEnumerable<ParityCase> Core(ParitySizes z)
    {
        int b = z.Batch, w = z.Width, odd = b * w * 64 + 7;  // odd, not a multiple of 4: exercises vector tails
        int[] image = [b, w, 8, 8];                                            // (B, W, 8, 8): the generator's first block
        yield return new("Allocate", "allocate, write, read back", S(odd), ParityTolerance.Exact, r =>
        {
            var t = r.Normal(odd);
            r.Read("t", t);
        });
        yield return new("Synchronize", "write, synchronize, read", S(image), ParityTolerance.Exact, r =>
        {
            var t = r.Output(image);
            r.B.CopyFromHost(r.Data.Normal(t.Numel), t);
            r.B.Synchronize();
            r.Read("t", t);
        });
        yield return new("Fill", "value 0.37", S(image), ParityTolerance.Exact, r =>
        {
            var t = r.Output(image);
            r.B.Fill(t, 0.37f);
            r.Read("t", t);
        });
        yield return new("CopyFromHost", "into rows [1, B) of a batch", S(image), ParityTolerance.Exact, r =>
        {
            var t = r.Output(image);
            var rows = r.Own(t.Narrow0(1, b - 1));
            r.B.CopyFromHost(r.Data.Normal(rows.Numel), rows);
            r.Read("t", t);
        });
        yield return new("CopyToHost", "rows [1, B) of a batch", S(image), ParityTolerance.Exact, r =>
        {
            var t = r.Normal(image);
            r.Read("rows", r.Own(t.Narrow0(1, b - 1)));
        });
        yield return new("CopyStrided", "transpose (L, B)ᵀ → (B, L)", S(z.Latent, b), ParityTolerance.Exact, r =>
        {
            var x = r.Normal(z.Latent, b);
            var y = r.Output(b, z.Latent);
            r.B.CopyStrided(r.Own(x.T()), y);
            r.Read("y", y);
        });
        yield return new("CopyStrided", "into a transposed view", S(b, z.Latent), ParityTolerance.Exact, r =>
        {
            var x = r.Normal(b, z.Latent);
            var y = r.Output(z.Latent, b);
            r.B.CopyStrided(x, r.Own(y.T()));
            r.Read("y", y);
        });
        yield return new("CopyStrided", "a contiguous view at an offset (device-to-device copy)", S(image), ParityTolerance.Exact, r =>
        {
            var x = r.Normal(image);
            var y = r.Output([b - 1, .. image[1..]]);
            r.B.CopyStrided(r.Own(x.Narrow0(1, b - 1)), y);
            r.Read("y", y);
        });
        yield return new("CopyStrided", "a strided view at an offset: rows [1, L − 1) of (B + 2, L)ᵀ", S(b + 2, z.Latent), ParityTolerance.Exact, r =>
        {
            var x = r.Normal(b + 2, z.Latent);
            var transposed = r.Own(x.T());                       // (L, B + 2), strides (1, L)
            var y = r.Output(z.Latent - 2, b + 2);
            r.B.CopyStrided(r.Own(transposed.Narrow0(1, z.Latent - 2)), y); // offset 1
            r.Read("y", y);
        });
        yield return new("FillUniform", "seed 7, offset 12345, odd length", S(odd), ParityTolerance.Exact, r =>
        {
            var t = r.Output(odd);
            r.B.FillUniform(t, 7, 12345);
            r.Read("t", t);
        });
        yield return new("FillUniform", "one element", S(1), ParityTolerance.Exact, r =>
        {
            var t = r.Output(1);
            r.B.FillUniform(t, 1234, 77);
            r.Read("t", t);
        });
        yield return new("FillNormal", "latent noise (B, L), seed 1", S(b, z.Latent), ParityTolerance.Elementwise, r =>
        {
            var t = r.Output(b, z.Latent);
            r.B.FillNormal(t, 1, 0);
            r.Read("t", t);
        });
        yield return new("FillNormal", "seed 2^40 + 3, offset 999, odd length", S(odd), ParityTolerance.Elementwise, r =>
        {
            var t = r.Output(odd);
            r.B.FillNormal(t, (1UL << 40) + 3, 999);
            r.Read("t", t);
        });
        yield return new("FillNormal", "one element", S(1), ParityTolerance.Elementwise, r =>
        {
            var t = r.Output(1);
            r.B.FillNormal(t, 99, 5);
            r.Read("t", t);
        });
        yield return new("AddInPlace", "gradient accumulation", S(image), ParityTolerance.Exact, r =>
        {
            var dst = r.Normal(image);
            r.B.AddInPlace(dst, r.Normal(image));
            r.Read("dst", dst);
        });
    }
}
