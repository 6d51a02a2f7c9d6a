namespace DafL.Training.Diagnostics;

public static partial class ParityCases
{
    /// <summary>One 2-D convolution layer: input (N, C, H, H), O filters of k×k, stride, zero padding, and whether it has a bias.</summary>
    readonly record struct ConvLayer(string Name, int N, int C, int H, int O, int K, int Stride, int Padding, bool Bias)
    {
        public int Ho => (H + 2 * Padding - K) / Stride + 1;
        public int[] X => [N, C, H, H];
        public int[] W => [O, C, K, K];
        public int[] Y => [N, O, Ho, Ho];
        public string Shape => $"{S(X)} ⋆ {S(W)}, s{Stride} p{Padding}";
    }

    /// <summary>Forward, backward data, backward weight and backward bias of the generator's, LeNet-5's and ResNet's convolutions.</summary>
    static IEnumerable<ParityCase> Conv(ParitySizes z, bool tf32)
    {
        int b = z.Batch, w = z.Width, s = z.Image;
        ConvLayer[] layers =
        [
            new("generator conv_blocks1", b, w, s / 2, w, 3, 1, 1, true),
            new("generator conv_blocks2.0", b, w, s, w / 2, 3, 1, 1, true),
            new("generator conv_blocks2.3", b, w / 2, s, 1, 3, 1, 1, true),
            new("LeNet-5 conv1", b, 1, s, 6, 5, 1, 0, true),
            new("LeNet-5 conv2", b, 6, (s - 4) / 2, 16, 5, 1, 0, true),
            new("ResNet layer2 conv1, stride 2", b, w / 2, s, w, 3, 2, 1, false),
            new("ResNet layer2 shortcut, 1×1 stride 2", b, w / 2, s, w, 1, 2, 0, false),
        ];
        var tolerance = ParityTolerance.Matrix(tf32);
        foreach (var l in layers)
        {
            yield return new("Conv2dForward", l.Name, l.Shape, tolerance, r =>
            {
                var x = r.Normal(l.X);
                var weight = r.Normal(l.W);
                var bias = l.Bias ? r.Normal(l.O) : null;
                var y = r.Output(l.Y);
                r.B.Conv2dForward(x, weight, bias, y, l.Stride, l.Padding);
                r.Read("y", y);
            });
            yield return new("Conv2dBackwardData", l.Name, l.Shape, tolerance, r =>
            {
                var gy = r.Normal(l.Y);
                var weight = r.Normal(l.W);
                var gx = r.Output(l.X);
                r.B.Conv2dBackwardData(gy, weight, gx, l.Stride, l.Padding);
                r.Read("gx", gx);
            });
            yield return new("Conv2dBackwardWeight", l.Name, l.Shape, tolerance, r =>
            {
                var x = r.Normal(l.X);
                var gy = r.Normal(l.Y);
                var gw = r.Output(l.W);
                r.B.Conv2dBackwardWeight(x, gy, gw, l.Stride, l.Padding);
                r.Read("gw", gw);
            });
            if (l.Bias)
                yield return new("Conv2dBackwardBias", l.Name, S(l.Y), ParityTolerance.Fp32, r =>
                {
                    var gy = r.Normal(l.Y);
                    var gb = r.Output(l.O);
                    r.B.Conv2dBackwardBias(gy, gb);
                    r.Read("gb", gb);
                });
        }
    }
}
