using DafL.Backends;

namespace DafL.Training.Diagnostics;

public static partial class ParityCases
{
    /// <summary>Broadcasting binary ops, the unary ops with their backward kernels, and the affine map.</summary>
    static IEnumerable<ParityCase> Elementwise(ParitySizes z)
    {
        int b = z.Batch, w = z.Width, k = z.Classes;
        (string Name, int[] A, int[] B, int[] Y)[] broadcasts =
        [
            ("same shape", [b, w, 8, 8], [b, w, 8, 8], [b, w, 8, 8]),
            ("per-channel (W, 1, 1)", [b, w, 8, 8], [w, 1, 1], [b, w, 8, 8]),
            ("scalar on the left", [], [b, k], [b, k]),
            ("outer (B, 1) ∘ (1, K)", [b, 1], [1, k], [b, k]),
            ("row (K) on (B, K)", [b, k], [k], [b, k]),
        ];
        foreach (var op in new[] { BinaryOp.Add, BinaryOp.Sub, BinaryOp.Mul })
            foreach (var (name, aShape, bShape, yShape) in broadcasts)
                yield return new("Binary", $"{op}, {name}", $"{S(aShape)} ∘ {S(bShape)}", ParityTolerance.Exact, r =>
                {
                    var a = r.Normal(aShape);
                    var bt = r.Normal(bShape);
                    var y = r.Output(yShape);
                    r.B.Binary(op, a, bt, y);
                    r.Read("y", y);
                });

        int[] features = [b, 120];                               // (B, 120): LeNet-5's features
        foreach (var op in new[] { UnaryOp.Abs, UnaryOp.Exp, UnaryOp.Log, UnaryOp.Log10 })
        {
            // Log and Log10 need positive inputs; Exp's backward is computed from its output eˣ.
            Func<OpRun, Tensor> input = op is UnaryOp.Log or UnaryOp.Log10 ? r => r.Uniform(1e-3f, 10, features) : r => r.Normal(features);
            var tolerance = op == UnaryOp.Abs ? ParityTolerance.Exact : ParityTolerance.Elementwise;
            yield return new("Unary", op.ToString(), S(features), tolerance, r =>
            {
                var x = input(r);
                var y = r.Output(features);
                r.B.Unary(op, x, y);
                r.Read("y", y);
            });
            Func<OpRun, Tensor> saved = op == UnaryOp.Exp ? r => r.Uniform(1e-3f, 10, features) : input;
            yield return new("UnaryBackward", op.ToString(), S(features), ParityTolerance.Elementwise, r =>
            {
                var s = saved(r);
                var gy = r.Normal(features);
                var gx = r.Output(features);
                r.B.UnaryBackward(op, s, gy, gx);
                r.Read("gx", gx);
            });
        }
        yield return new("Affine", "y = 0.5·x − 1.25", S(b, w, 8, 8), ParityTolerance.Elementwise, r =>
        {
            var x = r.Normal(b, w, 8, 8);
            var y = r.Output(b, w, 8, 8);
            r.B.Affine(x, y, 0.5f, -1.25f);
            r.Read("y", y);
        });
    }
}
