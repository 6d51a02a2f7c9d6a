namespace DafL.Backends.Conformance;

public static partial class ParityCases
{
    /// <summary>
    /// Batch norm as the generator uses it (batch statistics, eps 0.8; the affine-free last layer) and in eval mode,
    /// with every combination of the optional tensors.
    /// </summary>
    static IEnumerable<ParityCase> Norm(ParitySizes z)
    {
        int b = z.Batch, w = z.Width, s = z.Image;
        int[] block = [b, w, s / 2, s / 2];                      // (B, W, 16, 16): after conv_blocks1's convolution
        int[] image = [b, 1, s, s];                              // (B, 1, 32, 32): the generator's last, affine-free BN
        foreach (bool affine in new[] { true, false })
            foreach (bool running in new[] { true, false })
            {
                string name = $"{(affine ? "affine" : "no affine")}, {(running ? "running statistics" : "no running statistics")}, eps 0.8";
                yield return new("BatchNormForwardTraining", name, S(block), ParityTolerance.Fp32, r =>
                {
                    var x = r.Normal(block);
                    var weight = affine ? r.Uniform(0.5f, 1.5f, w) : null;
                    var bias = affine ? r.Normal(w) : null;
                    var runningMean = running ? r.Normal(w) : null;
                    var runningVar = running ? r.Uniform(0.5f, 2f, w) : null;
                    var (y, mean, var) = (r.Output(block), r.Output(w), r.Output(w));
                    r.B.BatchNormForwardTraining(x, weight, bias, runningMean, runningVar, 0.1f, 0.8f, y, mean, var);
                    r.Read("y", y);
                    r.Read("saveMean", mean);
                    r.Read("saveVar", var);
                    if (runningMean != null) r.Read("runningMean", runningMean);
                    if (runningVar != null) r.Read("runningVar", runningVar);
                });
            }
        yield return new("BatchNormForwardTraining", "running mean only, momentum 0.3, eps 1e-3", S(block), ParityTolerance.Fp32, r =>
        {
            var x = r.Normal(block);
            var runningMean = r.Normal(w);
            var (y, mean, var) = (r.Output(block), r.Output(w), r.Output(w));
            r.B.BatchNormForwardTraining(x, null, null, runningMean, null, 0.3f, 1e-3f, y, mean, var);
            r.Read("y", y);
            r.Read("saveMean", mean);
            r.Read("saveVar", var);
            r.Read("runningMean", runningMean);
        });
        yield return new("BatchNormForwardTraining", "no affine, no running statistics", S(image), ParityTolerance.Fp32, r =>
        {
            var x = r.Normal(image);
            var (y, mean, var) = (r.Output(image), r.Output(1), r.Output(1));
            r.B.BatchNormForwardTraining(x, null, null, null, null, 0.1f, 1e-5f, y, mean, var);
            r.Read("y", y);
            r.Read("saveMean", mean);
            r.Read("saveVar", var);
        });
        foreach (bool affine in new[] { true, false })
            yield return new("BatchNormForwardInference", affine ? "affine" : "no affine", S(block), ParityTolerance.Fp32, r =>
            {
                var x = r.Normal(block);
                var mean = r.Normal(w);
                var var = r.Uniform(0.5f, 2f, w);
                var weight = affine ? r.Uniform(0.5f, 1.5f, w) : null;
                var bias = affine ? r.Normal(w) : null;
                var y = r.Output(block);
                r.B.BatchNormForwardInference(x, mean, var, weight, bias, 1e-5f, y);
                r.Read("y", y);
            });
        (string Name, bool Gx, bool GWeight, bool GBias)[] wanted =
        [
            ("all gradients", true, true, true),
            ("gx only", true, false, false),
            ("gWeight only", false, true, false),
        ];
        foreach (bool training in new[] { true, false })
            foreach (bool affine in new[] { true, false })
                foreach (var (outputs, wantGx, wantGWeight, wantGBias) in wanted)
                {
                    string name = $"{(training ? "training" : "eval")}, {(affine ? "affine" : "no affine")}, {outputs}";
                    yield return new("BatchNormBackward", name, S(block), ParityTolerance.Fp32, r =>
                    {
                        var x = r.Normal(block);
                        var gy = r.Normal(block);
                        var mean = r.Normal(w);
                        var var = r.Uniform(0.5f, 2f, w);
                        var weight = affine ? r.Uniform(0.5f, 1.5f, w) : null;
                        var gx = wantGx ? r.Output(block) : null;
                        var gWeight = wantGWeight ? r.Output(w) : null;
                        var gBias = wantGBias ? r.Output(w) : null;
                        r.B.BatchNormBackward(x, gy, mean, var, weight, 0.8f, training, gx, gWeight, gBias);
                        if (gx != null) r.Read("gx", gx);
                        if (gWeight != null) r.Read("gWeight", gWeight);
                        if (gBias != null) r.Read("gBias", gBias);
                    });
                }
        foreach (var c in NormLeakyRelu(block, w))
            yield return c;
    }

    /// <summary>
    /// The fused BatchNorm2d(eps 0.8) → LeakyReLU(0.2) of conv_blocks1/2 (training only) at the generator's shape,
    /// against its unfused composition on the reference: BatchNormForwardTraining then LeakyRelu, and LeakyRelu's
    /// backward then BatchNormBackward (the CPU's agree bit for bit, which the CPU-against-itself run checks).
    /// </summary>
    static IEnumerable<ParityCase> NormLeakyRelu(int[] block, int w)
    {
        const float slope = 0.2f, eps = 0.8f, momentum = 0.1f;
        foreach (bool affine in new[] { true, false })
        {
            // Same draws on both sides: x, weight, bias, running mean, running var.
            (Tensor X, Tensor? Weight, Tensor? Bias, Tensor RunningMean, Tensor RunningVar) Inputs(OpRun r) =>
                (r.Normal(block), affine ? r.Uniform(0.5f, 1.5f, w) : null, affine ? r.Normal(w) : null, r.Normal(w), r.Uniform(0.5f, 2f, w));
            void Read(OpRun r, Tensor y, Tensor mean, Tensor var, Tensor runningMean, Tensor runningVar)
            {
                r.Read("y", y);
                r.Read("saveMean", mean);
                r.Read("saveVar", var);
                r.Read("runningMean", runningMean);
                r.Read("runningVar", runningVar);
            }
            yield return new("BatchNormLeakyReluForwardTraining", $"{(affine ? "affine" : "no affine")}, running statistics, eps 0.8, slope 0.2",
                S(block), ParityTolerance.Fp32, r =>
                {
                    var (x, weight, bias, runningMean, runningVar) = Inputs(r);
                    var (y, mean, var) = (r.Output(block), r.Output(w), r.Output(w));
                    r.B.BatchNormLeakyReluForwardTraining(x, weight, bias, runningMean, runningVar, momentum, eps, slope, y, mean, var);
                    Read(r, y, mean, var, runningMean, runningVar);
                },
                Reference: r =>
                {
                    var (x, weight, bias, runningMean, runningVar) = Inputs(r);
                    var (z, y, mean, var) = (r.Output(block), r.Output(block), r.Output(w), r.Output(w));
                    r.B.BatchNormForwardTraining(x, weight, bias, runningMean, runningVar, momentum, eps, z, mean, var);
                    r.B.LeakyRelu(z, y, slope);
                    Read(r, y, mean, var, runningMean, runningVar);
                });

            // The backward's inputs: x, gy, weight, bias, and the statistics and output of the fused forward on x.
            (Tensor X, Tensor Y, Tensor Gy, Tensor? Weight, Tensor? Bias, Tensor Mean, Tensor Var) BackwardInputs(OpRun r)
            {
                var (x, gy) = (r.Normal(block), r.Normal(block));
                var (weight, bias) = (affine ? r.Uniform(0.5f, 1.5f, w) : null, affine ? r.Normal(w) : null);
                var (y, mean, var) = (r.Output(block), r.Output(w), r.Output(w));
                // The forward runs on the CPU on both sides, so that both backwards see the same y and statistics.
                using (var xh = Tensor.FromArray(r.Values(x), block))
                using (var wh = weight == null ? null : Tensor.FromArray(r.Values(weight), w))
                using (var bh = bias == null ? null : Tensor.FromArray(r.Values(bias), w))
                using (var yh = Tensor.Empty(block))
                using (var mh = Tensor.Empty([w]))
                using (var vh = Tensor.Empty([w]))
                {
                    Backend.Cpu.BatchNormLeakyReluForwardTraining(xh, wh, bh, null, null, momentum, eps, slope, yh, mh, vh);
                    (y, mean, var) = (r.FromHost(yh.ToArray(), block), r.FromHost(mh.ToArray(), w), r.FromHost(vh.ToArray(), w));
                }
                return (x, y, gy, weight, bias, mean, var);
            }
            yield return new("BatchNormLeakyReluBackward", $"{(affine ? "affine" : "no affine")}, all gradients, eps 0.8, slope 0.2",
                S(block), ParityTolerance.Fp32, r =>
                {
                    var (x, y, gy, weight, _, mean, var) = BackwardInputs(r);
                    var (gx, gWeight, gBias) = (r.Output(block), r.Output(w), r.Output(w));
                    r.B.BatchNormLeakyReluBackward(x, y, gy, mean, var, weight, eps, slope, gx, gWeight, gBias);
                    r.Read("gx", gx);
                    r.Read("gWeight", gWeight);
                    r.Read("gBias", gBias);
                },
                Reference: r =>
                {
                    // LeakyReLU's gradient at z = BN(x) (its input, as the unfused graph has it), then batch norm's.
                    var (x, _, gy, weight, bias, mean, var) = BackwardInputs(r);
                    var (z, zMean, zVar) = (r.Output(block), r.Output(w), r.Output(w));
                    r.B.BatchNormForwardTraining(x, weight, bias, null, null, momentum, eps, z, zMean, zVar);
                    var (gz, gx, gWeight, gBias) = (r.Output(block), r.Output(block), r.Output(w), r.Output(w));
                    r.B.LeakyReluBackward(z, gy, gz, slope);
                    r.B.BatchNormBackward(x, gz, mean, var, weight, eps, true, gx, gWeight, gBias);
                    r.Read("gx", gx);
                    r.Read("gWeight", gWeight);
                    r.Read("gBias", gBias);
                });
        }
    }
}
