using DafL.Errors;
using DafL.Models;
using DafL.Random;

namespace DafL.Training;

/// <summary>Builds classifiers by architecture name, and recognises an architecture from a state dict's keys.</summary>
public static class ModelCatalog
{
    public static readonly string[] Architectures = ["lenet5", "lenet5-half", "resnet18", "resnet34"];

    /// <summary>The class counts a checkpoint may have: a classifier needs two, and the datasets here have at most 100.</summary>
    public const int MinClasses = 2, MaxClasses = 1000;

    public static Classifier Create(string arch, int numClasses, int channels, Philox gen) => arch switch
    {
        "lenet5" => LeNet5.Full(gen, numClasses),
        "lenet5-half" => LeNet5.Half(gen, numClasses),
        "resnet18" => new ResNet([2, 2, 2, 2], numClasses, gen, channels),
        "resnet34" => new ResNet([3, 4, 6, 3], numClasses, gen, channels),
        _ => throw new ArgumentException($"Unknown architecture '{arch}'; expected one of: {string.Join(", ", Architectures)}."),
    };

    /// <summary>
    /// Loads a classifier checkpoint — safetensors with PyTorch's keys (from here or from PyTorch), or a file that
    /// <c>torch.save</c> wrote, a state dict or a whole module (<see cref="StateDictFile"/>): the file is read and
    /// checked, its architecture recognised, and every tensor loaded strictly. The one way eval, distill, sample and
    /// profile load a classifier; every error is an <see cref="InputException"/> naming the file. The caller owns
    /// the model; the notes say what reading the file changed (dtypes converted).
    /// </summary>
    public static LoadedClassifier Load(string path)
    {
        using var file = StateDictFile.Read(path);
        var (arch, classes, channels) = Recognise(file.Tensors, path);
        var model = Create(arch, classes, channels, SeedStreams.For(0, "checkpoint-load")); // every weight is replaced
        try
        {
            model.LoadStateDict(file.Tensors, strict: true, source: path);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return new LoadedClassifier(model, arch, classes, channels) { Notes = file.Notes };
    }

    /// <summary>
    /// Loads a teacher checkpoint (<see cref="ModelCatalog.Load"/>), which must have the config's classes and input
    /// channels; its architecture is whatever the file holds, and is returned so that the run records it truly.
    /// </summary>
    public static LoadedClassifier LoadTeacher(string path, DistillConfig config)
    {
        var teacher = Load(path);
        if (teacher.Classes != config.NumClasses || teacher.Channels != config.Channels)
        {
            teacher.Model.Dispose();
            throw new InputException(path, "classes and input channels", $"{config.NumClasses} and {config.Channels}, as preset '{config.Preset}' has",
                $"a {teacher.Arch} with {teacher.Classes} and {teacher.Channels}");
        }
        return teacher;
    }

    /// <summary>
    /// The architecture, class count and input channels of a checkpoint, from its keys and the full shapes of the
    /// tensors that tell them apart (so a teacher trained in PyTorch and saved as safetensors with the official key
    /// names loads without a sidecar file): LeNet-5 has <c>conv1.weight</c> [6, 1, 5, 5] (or [3, 1, 5, 5], half) and
    /// <c>fc2.weight</c> [classes, 84] (42); the CIFAR ResNet <c>conv1.weight</c> [64, 1 or 3, 3, 3] and
    /// <c>linear.weight</c> [classes, 512], ResNet-34 with a <c>layer3.5</c>. Any other set of shapes is an
    /// <see cref="InputException"/> naming <paramref name="source"/> and the tensor; the other tensors are checked
    /// when the state is loaded into the model.
    /// </summary>
    public static (string Arch, int NumClasses, int Channels) Recognise(IReadOnlyDictionary<string, Tensor> state, string source)
    {
        if (!state.TryGetValue("conv1.weight", out var conv1))
            throw new InputException(source, "keys", "conv1.weight, as in a LeNet-5 or CIFAR ResNet state dict", Keys(state));
        if (state.TryGetValue("fc2.weight", out var fc2))
        {
            var (width, hidden, arch) = conv1.Rank == 4 && conv1.Shape[0] == 3 ? (3, 42, "lenet5-half") : (6, 84, "lenet5");
            Expect(source, "conv1.weight", conv1, $"[{width}, 1, 5, 5] (LeNet-5: 6 filters, or 3 for LeNet-5-half, on 1 channel)",
                conv1.Rank == 4 && conv1.Shape[0] == width && conv1.Shape[1] == 1 && conv1.Shape[2] == 5 && conv1.Shape[3] == 5);
            int classes = Classes(source, "fc2.weight", fc2, hidden, arch);
            return (arch, classes, 1);
        }
        if (state.TryGetValue("linear.weight", out var linear))
        {
            Expect(source, "conv1.weight", conv1, "[64, 1 or 3, 3, 3] (CIFAR ResNet)",
                conv1.Rank == 4 && conv1.Shape[0] == 64 && conv1.Shape[1] is 1 or 3 && conv1.Shape[2] == 3 && conv1.Shape[3] == 3);
            string arch = state.ContainsKey("layer3.5.conv1.weight") ? "resnet34" : "resnet18";
            return (arch, Classes(source, "linear.weight", linear, 512, arch), conv1.Shape[1]);
        }
        throw new InputException(source, "keys", "conv1.weight with fc2.weight (LeNet-5) or with linear.weight (CIFAR ResNet)", Keys(state));
    }

    /// <summary>The class count from the head <paramref name="key"/>: [classes, <paramref name="inputs"/>], classes in range.</summary>
    static int Classes(string source, string key, Tensor head, int inputs, string arch)
    {
        Expect(source, key, head, $"[{MinClasses} to {MaxClasses} classes, {inputs}] ({arch})",
            head.Rank == 2 && head.Shape[1] == inputs && head.Shape[0] is >= MinClasses and <= MaxClasses);
        return head.Shape[0];
    }

    static void Expect(string source, string key, Tensor t, string expected, bool holds)
    {
        if (!holds) throw new InputException(source, $"tensor '{key}' shape", expected, Tensor.ShapeString(t.Shape));
    }

    static string Keys(IReadOnlyDictionary<string, Tensor> state) =>
        state.Count == 0 ? "no tensors" : $"{state.Count} tensor{(state.Count == 1 ? "" : "s")}: {InputText.List(state.Keys.Order(StringComparer.Ordinal).ToList())}";
}
