using DafL.Models;
using DafL.NN;
using static DafL.Onnx.LayerEmitter;

namespace DafL.Onnx;

/// <summary>
/// The one place that knows how the models compose their forwards outside their layers: the functional ReLUs and
/// pools of LeNet-5, ResNet's stem, residual add and 4×4 pool, the flatten before a head. Each method mirrors the
/// model's <c>Forward</c> (src/DafL.Models); the tests run both on the same inputs, so a forward changed without this
/// file fails there. Children are found by their state-dict names, the models' public contract.
/// </summary>
public static class ModelGraphs
{
    /// <summary>The input a classifier was built for: (channels, height, width).</summary>
    public static int[] InputShape(Classifier model) => model switch
    {
        LeNet5 => [1, 32, 32], // 32 → conv 28 → pool 14 → conv 10 → pool 5 → conv 1: the 1×1 map conv3's features need
        ResNet => [Child<Conv2d>(model, "conv1").InChannels, 32, 32], // 32 → stages 32, 16, 8, 4 → the 4×4 pool to 1×1
        _ => throw new NotSupportedException($"ONNX export: no graph for the classifier {model.GetType().Name}."),
    };

    /// <summary>Images (N, C, H, W) → logits (N, K).</summary>
    public static string ClassifierGraph(OnnxGraphBuilder g, Classifier model, string x) => model switch
    {
        LeNet5 lenet => LeNetGraph(g, lenet, x),
        ResNet resnet => ResNetGraph(g, resnet, x),
        _ => throw new NotSupportedException($"ONNX export: no graph for the classifier {model.GetType().Name}."),
    };

    static string LeNetGraph(OnnxGraphBuilder g, LeNet5 model, string x)
    {
        var h = Pool(g, "MaxPool", 2, 2, "conv1.pool", g.Node("Relu", "conv1.relu", [Conv(g, Child<Conv2d>(model, "conv1"), "conv1", x)]));
        h = Pool(g, "MaxPool", 2, 2, "conv2.pool", g.Node("Relu", "conv2.relu", [Conv(g, Child<Conv2d>(model, "conv2"), "conv2", h)]));
        var features = Flatten(g, 1, "conv3.flatten", g.Node("Relu", "conv3.relu", [Conv(g, Child<Conv2d>(model, "conv3"), "conv3", h)]));
        var hidden = g.Node("Relu", "fc1.relu", [Gemm(g, Child<Linear>(model, "fc1"), "fc1", features)]);
        return Gemm(g, Child<Linear>(model, "fc2"), "fc2", hidden);
    }

    static string ResNetGraph(OnnxGraphBuilder g, ResNet model, string x)
    {
        var h = g.Node("Relu", "bn1.relu", [ConvBatchNorm(g, Child<Conv2d>(model, "conv1"), "conv1", Child<BatchNorm2d>(model, "bn1"), "bn1", x)]);
        for (int stage = 1; stage <= 4; stage++)
            h = Sequence(g, Child<Sequential>(model, $"layer{stage}"), $"layer{stage}", h);
        var features = Flatten(g, 1, "linear.flatten", Pool(g, "AveragePool", 4, 4, "layer4.pool", h));
        return Gemm(g, Child<Linear>(model, "linear"), "linear", features);
    }

    /// <summary>relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), the shortcut the identity or a 1×1 conv with its BN.</summary>
    public static string BasicBlockGraph(OnnxGraphBuilder g, BasicBlock block, string path, string x)
    {
        var h = g.Node("Relu", Key(path, "bn1.relu"),
            [ConvBatchNorm(g, Child<Conv2d>(block, "conv1"), Key(path, "conv1"), Child<BatchNorm2d>(block, "bn1"), Key(path, "bn1"), x)]);
        h = ConvBatchNorm(g, Child<Conv2d>(block, "conv2"), Key(path, "conv2"), Child<BatchNorm2d>(block, "bn2"), Key(path, "bn2"), h);
        var shortcut = Sequence(g, Child<Sequential>(block, "shortcut"), Key(path, "shortcut"), x); // empty: x itself
        return g.Node("Relu", Key(path, "relu"), [g.Node("Add", Key(path, "add"), [h, shortcut])]);
    }

    /// <summary>The child of <paramref name="parent"/> registered as <paramref name="name"/>, which must be a <typeparamref name="T"/>.</summary>
    static T Child<T>(Module parent, string name) where T : Module =>
        parent.NamedChildren().FirstOrDefault(c => c.Name == name).Module as T
        ?? throw new InvalidOperationException($"ONNX export: {parent.GetType().Name} has no {typeof(T).Name} child '{name}'.");
}
