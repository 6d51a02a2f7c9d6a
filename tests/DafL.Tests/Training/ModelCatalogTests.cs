using DafL.Errors;
using DafL.IO;
using DafL.Models;
using DafL.Random;
using DafL.Tests.Support;
using DafL.Training;

namespace DafL.Tests.Training;

public class ModelCatalogTests : TempFolderTest
{
    static Dictionary<string, Tensor> StateOf(Classifier model) => model.StateDict().ToDictionary(e => e.Key, e => e.Tensor);

    [TestCase("lenet5", 10, 1)]
    [TestCase("lenet5-half", 2, 1)]
    [TestCase("resnet18", 100, 3)]
    [TestCase("resnet18", 10, 1)]
    [TestCase("resnet34", 1000, 3)]
    public void RecogniseNamesEveryArchitectureItsClassesAndChannels(string arch, int classes, int channels)
    {
        using var model = ModelCatalog.Create(arch, classes, channels, new Philox(1));
        Assert.That(ModelCatalog.Recognise(StateOf(model), "m.safetensors"), Is.EqualTo((arch, classes, channels)));
    }

    // Shapes that any tensor may have, real or not: scalars, vectors, the right rank with wrong sizes, extra ranks,
    // class counts out of range, and zero-size tensors with the largest sizes a dimension can have.
    static readonly int[][] Shapes =
    [
        [], [6], [10], [6, 1], [6, 1, 5], [6, 1, 5, 5], [3, 1, 5, 5], [64, 1, 3, 3], [64, 3, 3, 3], [64, 2, 3, 3], [6, 3, 5, 5],
        [5, 1, 5, 5], [6, 1, 5, 5, 1], [0, 1, 5, 5], [6, 1, 5, 0], [1, 1, 1, 1, 1], [0, int.MaxValue], [0, int.MaxValue, int.MaxValue, 1],
        [10, 84], [10, 42], [10, 512], [1, 84], [1001, 84], [1000, 84], [2, 42], [10, 84, 1], [84, 10], [10, 0], [0, 512], [100, 512],
    ];

    /// <summary>What the catalog must make of conv1 and a head of these shapes: the spec, written out.</summary>
    static (string Arch, int Classes, int Channels)? Expected(int[]? conv1, string? headKey, int[]? head)
    {
        if (conv1 is null || head is null || head.Length != 2 || head[0] < 2 || head[0] > 1000) return null;
        bool Is(params int[] shape) => conv1.SequenceEqual(shape);
        if (headKey == "fc2.weight" && Is(6, 1, 5, 5) && head[1] == 84) return ("lenet5", head[0], 1);
        if (headKey == "fc2.weight" && Is(3, 1, 5, 5) && head[1] == 42) return ("lenet5-half", head[0], 1);
        if (headKey == "linear.weight" && (Is(64, 1, 3, 3) || Is(64, 3, 3, 3)) && head[1] == 512) return ("resnet18", head[0], conv1[1]);
        return null;
    }

    [Test]
    public void RecogniseOnAnySetOfShapesGivesTheSpecOrAnInputErrorNamingFileAndTensor()
    {
        using var scope = TensorScope.Begin();
        var tensors = Shapes.Select(s => Tensor.Zeros(s)).ToArray();
        int refused = 0;
        foreach (int? c in Enumerable.Range(0, Shapes.Length).Cast<int?>().Append(null))
            foreach (string? headKey in new[] { "fc2.weight", "linear.weight", null })
                foreach (int? h in headKey is null ? new int?[] { null } : Enumerable.Range(0, Shapes.Length).Cast<int?>())
                {
                    var state = new Dictionary<string, Tensor> { ["other.weight"] = tensors[0] };
                    if (c is { } ci) state["conv1.weight"] = tensors[ci];
                    if (headKey is not null && h is { } hi) state[headKey] = tensors[hi];
                    var expected = Expected(c is { } i ? Shapes[i] : null, headKey, h is { } j ? Shapes[j] : null);
                    string what = string.Join(", ", state.Select(e => $"{e.Key} {Tensor.ShapeString(e.Value.Shape)}"));
                    try
                    {
                        var found = ModelCatalog.Recognise(state, "m.safetensors");
                        Assert.That(found, Is.EqualTo(expected), what);
                    }
                    catch (InputException e)
                    {
                        refused++;
                        Assert.That(expected, Is.Null, $"{what}: {e.Message}");
                        Assert.That(e.Problem.Source, Is.EqualTo("m.safetensors"));
                        Assert.That(e.Problem.Field, Is.AnyOf("keys", "tensor 'conv1.weight' shape", "tensor 'fc2.weight' shape", "tensor 'linear.weight' shape"), what);
                        Assert.That(e.Message, Does.Contain(": expected ").And.Contain(", found "));
                    }
                }
        Assert.That(refused, Is.GreaterThan(Shapes.Length * Shapes.Length), "most shape sets are refused");
    }

    [Test]
    public void AResNet34IsTheOneWithASixthThirdStageBlock()
    {
        using var model = ModelCatalog.Create("resnet18", 10, 3, new Philox(1));
        var state = StateOf(model);
        Assert.That(ModelCatalog.Recognise(state, "m").Arch, Is.EqualTo("resnet18"));
        state["layer3.5.conv1.weight"] = state["layer3.1.conv1.weight"];
        Assert.That(ModelCatalog.Recognise(state, "m").Arch, Is.EqualTo("resnet34"));
    }

    [Test]
    public void LoadGivesTheSavedModelAndWhatItIs()
    {
        string path = Path.Combine(Dir, "half.safetensors");
        using var saved = LeNet5.Half(new Philox(5), 7);
        SafeTensors.Save(path, saved.StateDict());
        var loaded = ModelCatalog.Load(path);
        using var model = loaded.Model;
        Assert.That((loaded.Arch, loaded.Classes, loaded.Channels), Is.EqualTo(("lenet5-half", 7, 1)));
        Assert.That(model.StateDict().Select(e => e.Tensor.ToArray()), Is.EqualTo(saved.StateDict().Select(e => e.Tensor.ToArray())));
    }

    [Test]
    public void LoadOfGarbageShapesIsAnInputError()
    {
        string path = Path.Combine(Dir, "garbage.safetensors");
        using var scope = TensorScope.Begin();
        var cases = new (string Key, int[] Shape)[][]
        {
            [("conv1.weight", []), ("fc2.weight", [10, 84])],
            [("conv1.weight", [6, 1, 5, 5]), ("fc2.weight", [0, int.MaxValue])],
            [("conv1.weight", [6, 1, 5, 5]), ("fc2.weight", [10, 84])], // recognised, but the other tensors are missing
            [("conv1.weight", [64, 3, 3, 3]), ("linear.weight", [1000, 512])],
            [],
        };
        foreach (var tensors in cases)
        {
            SafeTensors.Save(path, tensors.Select(t => (t.Key, Tensor.Zeros(t.Shape))));
            Assert.That(() => ModelCatalog.Load(path), Throws.InstanceOf<InputException>().With.Message.StartsWith(path + ": "),
                string.Join(", ", tensors.Select(t => t.Key)));
        }
    }

    [Test]
    public void AStateOfAnotherModelIsReportedInOneShortLine()
    {
        using var full = LeNet5.Full(new Philox(1));
        using var half = LeNet5.Half(new Philox(2));
        var e = Assert.Throws<InputException>(() => half.LoadStateDict(StateOf(full), source: "t.safetensors"))!;
        Assert.That(e.Problems, Has.Count.EqualTo(6), "5 tensors named, then the rest counted");
        Assert.That(e.Problems[0], Is.EqualTo(new InputProblem("t.safetensors", "tensor 'conv1.weight' shape", "[3, 1, 5, 5] (LeNet5)", "[6, 1, 5, 5]")));
        Assert.That(e.Problems[^1], Is.EqualTo(new InputProblem("t.safetensors", "shapes", "those of a LeNet5", "4 more tensors of other shapes")));

        using var scope = TensorScope.Begin();
        var state = StateOf(half);
        for (int i = 0; i < 12; i++) state[$"extra{i}"] = Tensor.Zeros([1]);
        state.Remove("fc1.bias");
        e = Assert.Throws<InputException>(() => half.LoadStateDict(state, source: "t.safetensors"))!;
        Assert.That(e.Message, Is.EqualTo("t.safetensors: keys: expected the 10 keys of a LeNet5, found 1 missing (fc1.bias) and " +
            "12 unexpected (extra0, extra1, extra10, extra11, extra2 … and 7 more)."));
    }

    // ------------------------------------------------------------------ the teacher of a distillation

    [Test]
    public void ATeacherOfAnotherArchitectureIsRecognisedAsWhatItIs()
    {
        string path = Path.Combine(Dir, "teacher.safetensors");
        using (var half = LeNet5.Half(new Philox(3)))
            SafeTensors.Save(path, half.StateDict());
        var config = DistillPresets.Get("mnist");
        Assert.That(config.Teacher, Is.EqualTo("lenet5"));
        var teacher = ModelCatalog.LoadTeacher(path, config);
        using var model = teacher.Model;
        Assert.That(teacher.Arch, Is.EqualTo("lenet5-half"), "the caller records the teacher the file holds, not the preset's");
        Assert.That(model, Is.InstanceOf<LeNet5>());
    }

    [Test]
    public void ATeacherWithOtherClassesOrChannelsIsRefused()
    {
        string path = Path.Combine(Dir, "teacher.safetensors");
        using (var wide = LeNet5.Full(new Philox(3), 100))
            SafeTensors.Save(path, wide.StateDict());
        Assert.That(() => ModelCatalog.LoadTeacher(path, DistillPresets.Get("mnist")), Throws.InstanceOf<InputException>().With.Message.EqualTo(
            $"{path}: classes and input channels: expected 10 and 1, as preset 'mnist' has, found a lenet5 with 100 and 1."));
    }
}
