using DafL.Backends;

namespace DafL.Backends.Conformance;

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
            ("scalar on the right", [b, k], [], [b, k]),
            ("both broadcast (B, 1, K) ∘ (1, W, 1)", [b, 1, k], [1, w, 1], [b, w, k]),
            ("lower rank, inner size 1: (B, W, K) ∘ (W, 1)", [b, w, k], [w, 1], [b, w, k]),
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
            // gy·sign(x), gy·y and gy/x round once; Log10's gy/(x·ln 10) twice.
            var backwardTolerance = op == UnaryOp.Log10 ? ParityTolerance.Elementwise : ParityTolerance.Exact;
            yield return new("UnaryBackward", op.ToString(), S(features), backwardTolerance, r =>
            {
                var s = saved(r);
                var gy = r.Normal(features);
                var gx = r.Output(features);
                r.B.UnaryBackward(op, s, gy, gx);
                r.Read("gx", gx);
            });
        }
        // One fused multiply-add: a single rounding.
        yield return new("Affine", "y = 0.5·x − 1.25", S(b, w, 8, 8), ParityTolerance.Exact, r =>
        {
            var x = r.Normal(b, w, 8, 8);
            var y = r.Output(b, w, 8, 8);
            r.B.Affine(x, y, 0.5f, -1.25f);
            r.Read("y", y);
        });
        yield return new("Affine", "in place, x = 3·x − 1", S(features), ParityTolerance.Exact, r =>
        {
            var x = r.Normal(features);
            r.B.Affine(x, x, 3f, -1f);
            r.Read("x", x);
        });
    }
}
