using DafL.Models;
using DafL.Random;

namespace DafL.Training;

/// <summary>Builds classifiers by architecture name, and recognises an architecture from a state dict's keys.</summary>
public static class ModelCatalog
{
    public static readonly string[] Architectures = ["lenet5", "lenet5-half", "resnet18", "resnet34"];

    public static Classifier Create(string arch, int numClasses, int channels, Philox gen) => arch switch
    {
        "lenet5" => LeNet5.Full(gen, numClasses),
        "lenet5-half" => LeNet5.Half(gen, numClasses),
        "resnet18" => new ResNet([2, 2, 2, 2], numClasses, gen, channels),
        "resnet34" => new ResNet([3, 4, 6, 3], numClasses, gen, channels),
        _ => throw new ArgumentException($"Unknown architecture '{arch}'; expected one of: {string.Join(", ", Architectures)}."),
    };

    /// <summary>
    /// The architecture, class count and input channels of a checkpoint, from its keys and shapes (so a teacher
    /// trained in PyTorch and saved as safetensors with the official key names loads without a sidecar file).
    /// </summary>
    public static (string Arch, int NumClasses, int Channels) Recognise(IReadOnlyDictionary<string, Tensor> state, string source)
    {
        if (state.TryGetValue("conv1.weight", out var conv1) && state.TryGetValue("fc2.weight", out var fc2))
            return (conv1.Shape[0] == 6 ? "lenet5" : "lenet5-half", fc2.Shape[0], conv1.Shape[1]);
        if (conv1 != null && state.TryGetValue("linear.weight", out var linear))
            return (state.ContainsKey("layer3.5.conv1.weight") ? "resnet34" : "resnet18", linear.Shape[0], conv1.Shape[1]);
        throw new InvalidDataException($"{source}: not a LeNet-5 or CIFAR ResNet state dict (expected keys conv1.weight with fc2.weight, or with linear.weight).");
    }
}
