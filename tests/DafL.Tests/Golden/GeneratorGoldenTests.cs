using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests.Golden;

/// <summary>
/// The official DAFL generator (reference/dafl-facts.md §1.4; widths 16/8 instead of 128/64, latent 8, 8×8 images)
/// in train mode, built from Functional ops with PyTorch's state dict: the output, every parameter's gradient of
/// sum(out·gout), and the running statistics of its four batch norms after the call (Fixtures/generator.bin).
/// </summary>
public class GeneratorGoldenTests() : GoldenTest("generator")
{
    static readonly string[] Parameters =
    [
        "l1.0.weight", "l1.0.bias", "conv_blocks0.0.weight", "conv_blocks0.0.bias",
        "conv_blocks1.0.weight", "conv_blocks1.0.bias", "conv_blocks1.1.weight", "conv_blocks1.1.bias",
        "conv_blocks2.0.weight", "conv_blocks2.0.bias", "conv_blocks2.1.weight", "conv_blocks2.1.bias",
        "conv_blocks2.3.weight", "conv_blocks2.3.bias",
    ];
    static readonly string[] BatchNorms = ["conv_blocks0.0", "conv_blocks1.1", "conv_blocks2.1", "conv_blocks2.5"];

    /// <summary>Four batch norms renormalise each stage, so errors stay at the scale of a few layers of summation order.</summary>
    const double ForwardTol = 1e-5;
    /// <summary>The backward goes through four batch norms whose input gradients partly cancel.</summary>
    const double BackwardTol = 1e-4;

    [Test]
    public void GeneratorMatchesPyTorch()
    {
        using var scope = TensorScope.Begin();
        int width = Fx.Int("generator/cfg.width"), init = Fx.Int("generator/cfg.img_size") / 4;
        var p = Parameters.ToDictionary(name => name, name => Fx.Leaf($"generator/{name}"));
        var stats = BatchNorms.ToDictionary(bn => bn, bn => (Mean: Fx.ToTensor($"generator/{bn}.running_mean"), Var: Fx.ToTensor($"generator/{bn}.running_var")));
        var z = Fx.ToTensor("generator/z");                                                       // (B, latent)

        var h = Linear(z, p["l1.0.weight"], p["l1.0.bias"]).Reshape(z.Shape[0], width, init, init); // (B, 16, 2, 2)
        h = Bn(h, "conv_blocks0.0", 1e-5f, p, stats);
        h = UpsampleNearest(h, 2);                                                                // (B, 16, 4, 4)
        h = LeakyRelu(Bn(Conv2d(h, p["conv_blocks1.0.weight"], p["conv_blocks1.0.bias"], 1, 1), "conv_blocks1.1", 0.8f, p, stats), 0.2f);
        h = UpsampleNearest(h, 2);                                                                // (B, 16, 8, 8)
        h = LeakyRelu(Bn(Conv2d(h, p["conv_blocks2.0.weight"], p["conv_blocks2.0.bias"], 1, 1), "conv_blocks2.1", 0.8f, p, stats), 0.2f); // (B, 8, 8, 8)
        h = Tanh(Conv2d(h, p["conv_blocks2.3.weight"], p["conv_blocks2.3.bias"], 1, 1));          // (B, 1, 8, 8)
        var output = Bn(h, "conv_blocks2.5", 1e-5f, p, stats);                                    // no affine parameters

        GoldenAssert.RelativeMax(Fx, "generator/out", output, ForwardTol, "linear, three convolutions and four batch norms summed in a different order");
        foreach (var bn in BatchNorms)
        {
            GoldenAssert.Close(Fx, $"generator/{bn}.running_mean.after", stats[bn].Mean,
                new(1e-6, 1e-5, "0.9·running + 0.1·batch mean of activations that differ in the last bits"));
            GoldenAssert.Close(Fx, $"generator/{bn}.running_var.after", stats[bn].Var,
                new(1e-6, 1e-5, "0.9·running + 0.1·unbiased batch variance of activations that differ in the last bits"));
        }
        output.Backward(Fx.ToTensor("generator/gout")); // ∂ sum(out·gout) / ∂ out = gout
        foreach (var name in Parameters.Except(BiasesBeforeBatchNorm))
            GoldenAssert.RelativeMax(Fx, $"generator/grad.{name}", p[name].Grad, BackwardTol,
                "gradients through four batch norms and three convolutions, each summed in a different order");
        foreach (var name in BiasesBeforeBatchNorm)
        {
            // Measured against the scale of the same convolution's weight gradient, since the exact value is 0.
            double scale = Fx.Data($"generator/grad.{name.Replace(".bias", ".weight")}").Max(v => Math.Abs(v));
            GoldenAssert.Close(Fx, $"generator/grad.{name}", p[name].Grad, new(1e-5 * scale, 0,
                "a bias followed by a training-mode batch norm has gradient 0 in exact arithmetic (the norm subtracts the channel mean): both libraries return rounding noise"));
        }
    }

    /// <summary>Convolution biases that feed a training-mode batch norm directly.</summary>
    static readonly string[] BiasesBeforeBatchNorm = ["conv_blocks1.0.bias", "conv_blocks2.0.bias"];

    /// <summary>Training-mode batch norm with momentum 0.1, the named module's affine parameters if it has them.</summary>
    static Tensor Bn(Tensor x, string name, float eps, Dictionary<string, Tensor> p, Dictionary<string, (Tensor Mean, Tensor Var)> stats) =>
        BatchNorm2d(x, stats[name].Mean, stats[name].Var, p.GetValueOrDefault($"{name}.weight"), p.GetValueOrDefault($"{name}.bias"),
            training: true, momentum: 0.1f, eps: eps);
}
