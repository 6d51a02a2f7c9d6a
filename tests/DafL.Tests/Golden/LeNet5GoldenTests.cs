using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests.Golden;

/// <summary>
/// The official LeNet-5 (reference/dafl-facts.md §1.1), built from Functional ops with PyTorch's weights: logits, the
/// 120-d features of the activation loss, the cross-entropy and every parameter's gradient (Fixtures/lenet5.bin).
/// </summary>
public class LeNet5GoldenTests() : GoldenTest("lenet5")
{
    static readonly string[] Parameters =
        ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight", "conv3.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"];

    /// <summary>Five layers of float32 dot products, each summed in a different order: errors relative to the tensor's scale.</summary>
    const double ForwardTol = 1e-5;
    /// <summary>The backward chains the same differences through five layers and sums over the batch.</summary>
    const double BackwardTol = 1e-5;

    [Test]
    public void LeNet5MatchesPyTorch()
    {
        using var scope = TensorScope.Begin();
        var p = Parameters.ToDictionary(name => name, name => Fx.Leaf($"lenet5/{name}"));
        var x = Fx.ToTensor("lenet5/x");                                                      // (4, 1, 32, 32)
        var h = MaxPool2d(Relu(Conv2d(x, p["conv1.weight"], p["conv1.bias"])), 2, 2);          // (4, 6, 14, 14)
        h = MaxPool2d(Relu(Conv2d(h, p["conv2.weight"], p["conv2.bias"])), 2, 2);              // (4, 16, 5, 5)
        var features = Relu(Conv2d(h, p["conv3.weight"], p["conv3.bias"])).Reshape(-1, 120);  // (4, 120)
        var logits = Linear(Relu(Linear(features, p["fc1.weight"], p["fc1.bias"])), p["fc2.weight"], p["fc2.bias"]); // (4, 10)
        var loss = CrossEntropy(logits, Fx.ToTensor("lenet5/labels"));

        GoldenAssert.RelativeMax(Fx, "lenet5/features", features, ForwardTol, "three convolutions summed in a different order");
        GoldenAssert.RelativeMax(Fx, "lenet5/logits", logits, ForwardTol, "five layers summed in a different order");
        GoldenAssert.RelativeMax(Fx, "lenet5/loss", loss, ForwardTol, "log-softmax of logits that differ in the last bits");
        loss.Backward();
        foreach (var name in Parameters)
            GoldenAssert.RelativeMax(Fx, $"lenet5/grad.{name}", p[name].Grad, BackwardTol,
                "gradients through five layers, each summed over the batch and the plane in a different order");
    }
}
