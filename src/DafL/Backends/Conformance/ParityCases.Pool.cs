namespace DafL.Backends.Conformance;

public static partial class ParityCases
{
    /// <summary>
    /// LeNet-5's max pooling, ResNet's final average pooling, the generator's nearest upsampling, and windows that
    /// overlap, a non-square input, ties and NaN.
    /// </summary>
    static IEnumerable<ParityCase> Pool(ParitySizes z)
    {
        int b = z.Batch, w = z.Width, s = z.Image;
        (string Name, int C, int H, int W, int Kernel, int Stride)[] maxPools =
        [
            ("LeNet-5 pool1", 6, s - 4, s - 4, 2, 2),            // (B, 6, 28, 28) → 14
            ("overlapping 3/2", 16, 11, 11, 3, 2),               // windows share elements: backward adds
            ("non-square 9×8, overlapping 3/1", 3, 9, 8, 3, 1),
        ];
        foreach (var (name, c, h, wd, kernel, stride) in maxPools)
        {
            int[] x = [b, c, h, wd], y = PoolOutput(x, kernel, stride);
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
                var indices = r.FromHost(WindowPositions(r.Data, y, wd, kernel, stride), y);
                var gx = r.Output(x);
                r.B.MaxPool2dBackward(gy, indices, gx);
                r.Read("gx", gx);
            });
        }
        int[] tied = [b, 3, 9, 8];                               // values rounded to halves, and a NaN
        foreach (var (kernel, stride) in new[] { (2, 2), (3, 2), (3, 1) })
        {
            int[] y = PoolOutput(tied, kernel, stride);
            string shape = $"{S(tied)}, k{kernel} s{stride}";
            yield return new("MaxPool2d", $"ties and a NaN, {kernel}/{stride}: the first maximum, NaN wins", shape, ParityTolerance.Exact, r =>
            {
                var input = r.FromHost(TiesAndNaN(r.Data, tied), tied);
                var (output, indices) = (r.Output(y), r.Output(y));
                r.B.MaxPool2d(input, kernel, stride, output, indices);
                r.Read("y", output);
                r.Read("indices", indices);
            });
            yield return new("AvgPool2d", $"ties and a NaN, {kernel}/{stride}", shape, ParityTolerance.Elementwise, r =>
            {
                var input = r.FromHost(TiesAndNaN(r.Data, tied), tied);
                var output = r.Output(y);
                r.B.AvgPool2d(input, kernel, stride, output);
                r.Read("y", output);
            });
        }
        (string Name, int C, int H, int W, int Kernel, int Stride)[] avgPools =
        [
            ("ResNet final 4×4", w * 4, 4, 4, 4, 4),
            ("overlapping 3/2", 16, 11, 11, 3, 2),
            ("non-square 9×8, overlapping 3/1", 3, 9, 8, 3, 1),
            ("global 9×9", 3, 9, 9, 9, 9),
        ];
        foreach (var (name, c, h, wd, kernel, stride) in avgPools)
        {
            int[] x = [b, c, h, wd], y = PoolOutput(x, kernel, stride);
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
        (string Name, int[] Low)[] upsamples = [("generator ×2", [b, w, s / 4, s / 4]), ("non-square 9×8 ×2", [b, 3, 9, 8])];
        foreach (var (name, low) in upsamples)
        {
            int[] high = [low[0], low[1], 2 * low[2], 2 * low[3]];
            yield return new("UpsampleNearest", name, S(low), ParityTolerance.Exact, r =>
            {
                var x = r.Normal(low);
                var y = r.Output(high);
                r.B.UpsampleNearest(x, 2, y);
                r.Read("y", y);
            });
            yield return new("UpsampleNearestBackward", name, S(high), ParityTolerance.Elementwise, r =>
            {
                var gy = r.Normal(high);
                var gx = r.Output(low);
                r.B.UpsampleNearestBackward(gy, 2, gx);
                r.Read("gx", gx);
            });
        }
    }

    static int[] PoolOutput(int[] x, int kernel, int stride) => [x[0], x[1], (x[2] - kernel) / stride + 1, (x[3] - kernel) / stride + 1];

    /// <summary>Values of <see cref="Ties"/> for (N, C, H, W), with a NaN inside the second window of the first plane.</summary>
    static float[] TiesAndNaN(ParityData data, int[] shape)
    {
        var values = Ties(data, Tensor.NumelOf(shape));
        values[shape[3] + 2] = float.NaN;                        // (h 1, w 2)
        return values;
    }

    /// <summary>
    /// A valid index for each pooling output (N, C, OH, OW): a random position h·W + w inside its window of an
    /// (H, W) plane of width <paramref name="width"/>, as MaxPool2d would record for its maximum.
    /// </summary>
    static float[] WindowPositions(ParityData data, int[] y, int width, int kernel, int stride)
    {
        int oh = y[2], ow = y[3];
        var offsets = data.Uniform(2 * Tensor.NumelOf(y), 0, kernel);
        var positions = new float[Tensor.NumelOf(y)];
        for (int i = 0; i < positions.Length; i++)
        {
            int row = i / ow % oh * stride + Math.Min((int)offsets[2 * i], kernel - 1);
            int col = i % ow * stride + Math.Min((int)offsets[2 * i + 1], kernel - 1);
            positions[i] = row * width + col;
        }
        return positions;
    }
}
