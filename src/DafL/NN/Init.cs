using DafL.Autograd;
using DafL.Random;
using static DafL.Ops.Functional;

namespace DafL.NN;

/// <summary>PyTorch's default initialisations, drawn from the counter-based generator so a seed fixes every weight.</summary>
public static class Init
{
    /// <summary>U(−bound, bound) of the given shape, untracked (the caller owns it).</summary>
    public static Tensor Uniform(int[] shape, float bound, Philox gen)
    {
        using var _ = TensorScope.Untracked();
        using var grad = GradMode.NoGrad();
        using var u = Tensor.Rand(shape, gen);
        using var scaled = Scale(u, 2 * bound);
        return AddScalar(scaled, -bound);
    }

    /// <summary>
    /// PyTorch's Linear/Conv default: kaiming_uniform_(a = √5) for the weight, which works out to
    /// U(−1/√fan_in, 1/√fan_in) (gain √(2/(1+5)) times √3/√fan_in), and the same bound for the bias.
    /// </summary>
    public static float DefaultBound(int fanIn) => 1f / MathF.Sqrt(fanIn);
}
