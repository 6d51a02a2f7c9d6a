namespace DafL.Backends.Conformance;

public static partial class ParityCases
{
    /// <summary>One 2-D convolution layer: input (N, C, H, W), O filters of k×k, stride, zero padding, and whether it has a bias.</summary>
    readonly record struct ConvLayer(string Name, int N, int C, int H, int W, int O, int K, int Stride, int Padding, bool Bias)
    {
        public ConvLayer(string name, int n, int c, int h, int o, int k, int stride, int padding, bool bias)
            : this(name, n, c, h, h, o, k, stride, padding, bias) { }

        public int[] X => [N, C, H, W];
        public int[] Weight => [O, C, K, K];
        public int[] Y => [N, O, (H + 2 * Padding - K) / Stride + 1, (W + 2 * Padding - K) / Stride + 1];
        public string Shape => $"{S(X)} ⋆ {S(Weight)}, s{Stride} p{Padding}";
    }

    /// <summary>
    /// Forward, backward data, backward weight and backward bias of the generator's, LeNet-5's and ResNet's
    /// convolutions and of edge shapes (a non-square input, a kernel as large as the input, 1×1), the three directions
    /// of the convolution of a ×2 upsampled input, and the weight gradient's determinism.
    /// </summary>
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
            new("non-square 9×8, padding 1", b, 3, 9, 8, 4, 3, 1, 1, true),
            new("5×5 stride 2 on 11×11", b, 5, 11, 6, 5, 2, 0, false),
            new("kernel as large as the input", b, 8, 4, 2, 4, 1, 0, true),
            new("pointwise 1×1 stride 1", b, 16, 7, 8, 1, 1, 0, false),
        ];
        var tolerance = ParityTolerance.Matrix(tf32);
        foreach (var l in layers)
        {
            yield return new("Conv2dForward", l.Name, l.Shape, tolerance, r =>
            {
                var x = r.Normal(l.X);
                var weight = r.Normal(l.Weight);
                var bias = l.Bias ? r.Normal(l.O) : null;
                var y = r.Output(l.Y);
                r.B.Conv2dForward(x, weight, bias, y, l.Stride, l.Padding);
                r.Read("y", y);
            });
            yield return new("Conv2dBackwardData", l.Name, l.Shape, tolerance, r =>
            {
                var gy = r.Normal(l.Y);
                var weight = r.Normal(l.Weight);
                var gx = r.Output(l.X);
                r.B.Conv2dBackwardData(gy, weight, gx, l.Stride, l.Padding);
                r.Read("gx", gx);
            });
            yield return new("Conv2dBackwardWeight", l.Name, l.Shape, tolerance, r =>
            {
                var x = r.Normal(l.X);
                var gy = r.Normal(l.Y);
                var gw = r.Output(l.Weight);
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
        // The convolutions of an input upsampled ×2 (Conv's X is the small input): the generator's two, an odd-sized
        // one on the CPU's fused path and a stride-2 one that it materialises.
        ConvLayer[] upsampled =
        [
            new("generator conv_blocks1, ×2", b, w, s / 4, w, 3, 1, 1, true),
            new("generator conv_blocks2.0, ×2", b, w, s / 2, w / 2, 3, 1, 1, true),
            new("odd 5×3 ×2, padding 1", b, 3, 5, 3, 6, 3, 1, 1, false),
            new("7×7 ×2, stride 2", b, 3, 7, 7, 6, 3, 2, 1, false),
        ];
        foreach (var l in upsampled)
        {
            var large = l with { H = 2 * l.H, W = 2 * l.W };
            string shape = $"×2 then {large.Shape}";
            yield return new("UpsampleConv2dForward", l.Name, shape, tolerance, r =>
            {
                var x = r.Normal(l.X);
                var weight = r.Normal(l.Weight);
                var bias = l.Bias ? r.Normal(l.O) : null;
                var y = r.Output(large.Y);
                r.B.UpsampleConv2dForward(x, weight, bias, y, 2, l.Stride, l.Padding);
                r.Read("y", y);
            });
            yield return new("UpsampleConv2dBackwardData", l.Name, shape, tolerance, r =>
            {
                var gy = r.Normal(large.Y);
                var weight = r.Normal(l.Weight);
                var gx = r.Output(l.X);
                r.B.UpsampleConv2dBackwardData(gy, weight, gx, 2, l.Stride, l.Padding);
                r.Read("gx", gx);
            });
            yield return new("UpsampleConv2dBackwardWeight", l.Name, shape, tolerance, r =>
            {
                var x = r.Normal(l.X);
                var gy = r.Normal(large.Y);
                var gw = r.Output(l.Weight);
                r.B.UpsampleConv2dBackwardWeight(x, gy, gw, 2, l.Stride, l.Padding);
                r.Read("gw", gw);
            });
        }
        var repeated = layers.Single(l => l.Name == "LeNet-5 conv2"); // a real layer that stays cheap for the CPU at batch 512
        yield return new("Conv2dBackwardWeight", $"{repeated.Name}, twice: elements that differ", repeated.Shape, ParityTolerance.Deterministic, r =>
        {
            var x = r.Normal(repeated.X);
            var gy = r.Normal(repeated.Y);
            var (first, second) = (r.Output(repeated.Weight), r.Output(repeated.Weight));
            r.B.Conv2dBackwardWeight(x, gy, first, repeated.Stride, repeated.Padding);
            r.B.Conv2dBackwardWeight(x, gy, second, repeated.Stride, repeated.Padding);
            r.Read("differs", Differences(r.Values(first), r.Values(second)));
        });
    }

    /// <summary>1 where the two results' bits differ, 0 where they agree.</summary>
    static float[] Differences(float[] first, float[] second)
    {
        var differs = new float[first.Length];
        for (int i = 0; i < first.Length; i++)
            differs[i] = BitConverter.SingleToInt32Bits(first[i]) == BitConverter.SingleToInt32Bits(second[i]) ? 0 : 1;
        return differs;
    }
}
