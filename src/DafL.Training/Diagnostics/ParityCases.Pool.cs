namespace DafL.Training.Diagnostics;

public static partial class ParityCases
{
    /// <summary>LeNet-5's max pooling, ResNet's final average pooling, and the generator's nearest upsampling.</summary>
    static IEnumerable<ParityCase> Pool(ParitySizes z)
    {
        int b = z.Batch, w = z.Width, s = z.Image;
        (string Name, int C, int H, int Kernel, int Stride)[] maxPools =
        [
            ("LeNet-5 pool1", 6, s - 4, 2, 2),                   // (B, 6, 28, 28) → 14
            ("overlapping 3/2", 16, 11, 3, 2),                   // windows share elements: backward adds
        ];
        foreach (var (name, c, h, kernel, stride) in maxPools)
        {
            int[] x = [b, c, h, h], y = [b, c, (h - kernel) / stride + 1, (h - kernel) / stride + 1];
            string shape = $"{S(x)}, k{kernel} s{stride}";
            yield return new("MaxPool2d", name, shape, ParityTolerance.Exact, r =>
            {
                var input = r.Normal(x);
                var (output, indices) = (r.Output(y), r.Output(y));
                r.B.MaxPool2d(input, kernel, stride, output, indices);
                r.Read("y", output);
                r.Read("indices", indices);
            });
            // Overlapping windows add several gradients into one element, in an order a device may choose.
            var scatter = kernel > stride ? ParityTolerance.Elementwise : ParityTolerance.Exact;
            yield return new("MaxPool2dBackward", name, shape, scatter, r =>
            {
                var gy = r.Normal(y);
                var indices = r.FromHost(WindowPositions(r.Data, y, h, kernel, stride), y);
                var gx = r.Output(x);
                r.B.MaxPool2dBackward(gy, indices, gx);
                r.Read("gx", gx);
            });
        }
        foreach (var (name, c, h, kernel, stride) in new[] { ("ResNet final 4×4", w * 4, 4, 4, 4), ("overlapping 3/2", 16, 11, 3, 2) })
        {
            int[] x = [b, c, h, h], y = [b, c, (h - kernel) / stride + 1, (h - kernel) / stride + 1];
            string shape = $"{S(x)}, k{kernel} s{stride}";
            yield return new("AvgPool2d", name, shape, ParityTolerance.Elementwise, r =>
            {
                var input = r.Normal(x);
                var output = r.Output(y);
                r.B.AvgPool2d(input, kernel, stride, output);
                r.Read("y", output);
            });
            yield return new("AvgPool2dBackward", name, shape, ParityTolerance.Elementwise, r =>
            {
                var gy = r.Normal(y);
                var gx = r.Output(x);
                r.B.AvgPool2dBackward(gy, kernel, stride, gx);
                r.Read("gx", gx);
            });
        }
        int[] low = [b, w, s / 4, s / 4], high = [b, w, s / 2, s / 2]; // (B, W, 8, 8) → (B, W, 16, 16)
        yield return new("UpsampleNearest", "generator ×2", S(low), ParityTolerance.Exact, r =>
        {
            var x = r.Normal(low);
            var y = r.Output(high);
            r.B.UpsampleNearest(x, 2, y);
            r.Read("y", y);
        });
        yield return new("UpsampleNearestBackward", "generator ×2", S(high), ParityTolerance.Elementwise, r =>
        {
            var gy = r.Normal(high);
            var gx = r.Output(low);
            r.B.UpsampleNearestBackward(gy, 2, gx);
            r.Read("gx", gx);
        });
    }

    /// <summary>
    /// A valid index for each pooling output (N, C, OH, OW): a random position h·W + w inside its window of an
    /// (H, H) plane, as MaxPool2d would record for its maximum.
    /// </summary>
    static float[] WindowPositions(ParityData data, int[] y, int h, int kernel, int stride)
    {
        int oh = y[2], ow = y[3];
        var offsets = data.Uniform(2 * Tensor.NumelOf(y), 0, kernel);
        var positions = new float[Tensor.NumelOf(y)];
        for (int i = 0; i < positions.Length; i++)
        {
            int row = i / ow % oh * stride + Math.Min((int)offsets[2 * i], kernel - 1);
            int col = i % ow * stride + Math.Min((int)offsets[2 * i + 1], kernel - 1);
            positions[i] = row * h + col;
        }
        return positions;
    }
}
