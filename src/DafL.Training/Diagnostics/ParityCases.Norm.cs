namespace DafL.Training.Diagnostics;

public static partial class ParityCases
{
    /// <summary>Batch norm as the generator uses it (batch statistics, eps 0.8; the affine-free last layer) and in eval mode.</summary>
    static IEnumerable<ParityCase> Norm(ParitySizes z)
    {
        int b = z.Batch, w = z.Width, s = z.Image;
        int[] block = [b, w, s / 2, s / 2];                      // (B, W, 16, 16): after conv_blocks1's convolution
        int[] image = [b, 1, s, s];                              // (B, 1, 32, 32): the generator's last, affine-free BN
        yield return new("BatchNormForwardTraining", "affine, running statistics, eps 0.8", S(block), ParityTolerance.Fp32, r =>
        {
            var x = r.Normal(block);
            var weight = r.Uniform(0.5f, 1.5f, w);
            var bias = r.Normal(w);
            var runningMean = r.Normal(w);
            var runningVar = r.Uniform(0.5f, 2f, w);
            var (y, mean, var) = (r.Output(block), r.Output(w), r.Output(w));
            r.B.BatchNormForwardTraining(x, weight, bias, runningMean, runningVar, 0.1f, 0.8f, y, mean, var);
            r.Read("y", y);
            r.Read("saveMean", mean);
            r.Read("saveVar", var);
            r.Read("runningMean", runningMean);
            r.Read("runningVar", runningVar);
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
        (string Name, bool Training, bool Affine, bool ParameterGradients)[] backwards =
        [
            ("training, all gradients", true, true, true),
            ("training, no affine, gx only", true, false, false),
            ("eval, gx only", false, true, false),
        ];
        foreach (var (name, training, affine, parameterGradients) in backwards)
            yield return new("BatchNormBackward", name, S(block), ParityTolerance.Fp32, r =>
            {
                var x = r.Normal(block);
                var gy = r.Normal(block);
                var mean = r.Normal(w);
                var var = r.Uniform(0.5f, 2f, w);
                var weight = affine ? r.Uniform(0.5f, 1.5f, w) : null;
                var gx = r.Output(block);
                var gWeight = parameterGradients ? r.Output(w) : null;
                var gBias = parameterGradients ? r.Output(w) : null;
                r.B.BatchNormBackward(x, gy, mean, var, weight, 0.8f, training, gx, gWeight, gBias);
                r.Read("gx", gx);
                if (gWeight != null) r.Read("gWeight", gWeight);
                if (gBias != null) r.Read("gBias", gBias);
            });
    }
}
