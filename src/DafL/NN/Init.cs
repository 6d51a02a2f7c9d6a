using DafL.Autograd;
using DafL.Random;
using static DafL.Ops.Functional;

namespace DafL.NN;

/// <summary>
/// PyTorch's default initialisations, drawn from the counter-based generator so that a seed fixes every weight
/// (the numbers differ from PyTorch's, the distributions are the same). BatchNorm's defaults (weight 1, bias 0,
/// running mean 0, running variance 1) need no randomness and live in <see cref="BatchNorm2d"/>.
/// </summary>
public static class Init
{
    /// <summary>U(−bound, bound) of the given shape, untracked (the caller owns it).</summary>
    public static Tensor Uniform(int[] shape, float bound, Philox gen)
    {
        using var _ = TensorScope.Untracked();
        using var grad = GradMode.NoGrad();
        using var u = Tensor.Rand(shape, gen); // [0, 1)
        using var scaled = Scale(u, 2 * bound);
        return AddScalar(scaled, -bound);
    }

    /// <summary>
    /// The bound of PyTorch's Linear/Conv default: the weight is <c>kaiming_uniform_(a = √5)</c>, i.e.
    /// U(−b, b) with b = gain·√3/√fan_in and gain = √(2/(1 + a²)) = √(1/3), so b = 1/√fan_in; the bias is
    /// U(−1/√fan_in, 1/√fan_in). fan_in is in_features for Linear and in_channels·kH·kW for Conv2d.
    /// </summary>
    public static float DefaultBound(int fanIn)
    {
        if (fanIn < 1) throw new ArgumentOutOfRangeException(nameof(fanIn), $"Init: fan-in {fanIn} must be at least 1.");
        return 1f / MathF.Sqrt(fanIn);
    }
}
