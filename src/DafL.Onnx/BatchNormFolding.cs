using DafL.NN;

namespace DafL.Onnx;

/// <summary>
/// A convolution followed by an eval-mode batch norm, as one convolution. BN computes
/// y = (z − μ)·s + β with s = γ/√(σ² + ε) per output channel; with z = W∗x + b that is
/// (s·W)∗x + (b − μ)·s + β, so W' = s·W (each output channel's filter scaled) and b' = (b − μ)·s + β.
/// Worked in double and rounded once, so the folded weights are the nearest floats to the exact ones.
/// </summary>
public static class BatchNormFolding
{
    public static (float[] Weight, float[] Bias) Fold(Conv2d conv, BatchNorm2d bn)
    {
        if (bn.NumFeatures != conv.OutChannels)
            throw new ArgumentException($"BatchNormFolding: batch norm over {bn.NumFeatures} channels cannot follow a convolution with {conv.OutChannels}.");
        var weight = conv.Weight.ToArray();
        var bias = conv.Bias?.ToArray() ?? new float[conv.OutChannels];
        var mean = bn.RunningMean.ToArray();
        var variance = bn.RunningVar.ToArray();
        var gamma = bn.Weight?.ToArray();
        var beta = bn.Bias?.ToArray();
        int perFilter = weight.Length / conv.OutChannels;
        var foldedBias = new float[conv.OutChannels];
        for (int o = 0; o < conv.OutChannels; o++)
        {
            double scale = (gamma?[o] ?? 1.0) / Math.Sqrt((double)variance[o] + bn.Eps);
            for (int k = o * perFilter; k < (o + 1) * perFilter; k++) weight[k] = (float)(weight[k] * scale);
            foldedBias[o] = (float)(((double)bias[o] - mean[o]) * scale + (beta?[o] ?? 0.0));
        }
        return (weight, foldedBias);
    }
}
