using DafL.Autograd;
using DafL.Errors;
using DafL.PyTorch;
using DafL.Tests.Support;
using DafL.Training;
using static DafL.Ops.Functional;

namespace DafL.Tests.PyTorch;

/// <summary>
/// Checkpoints PyTorch 1.13 saved (tools/make_fixtures.py, family "pytorch"), loaded with no Python: each model gives
/// PyTorch's logits for the fixed batch, and each odd layout or dtype PyTorch's values.
/// </summary>
public class PyTorchCheckpointTests : LeakCheckedTest
{
    static readonly Fixture Golden = Fixture.Load("pytorch");

    static readonly string[] HalfKeys =
        ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight", "conv3.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"];

    /// <summary>The logits of the loaded model on the fixture's batch: within 1e-5 of PyTorch's (relative to the largest), and the same classes.</summary>
    static void GivesPyTorchLogits(LoadedClassifier loaded, string model)
    {
        using var net = loaded.Model;
        using var scope = TensorScope.Begin();
        using var _ = GradMode.NoGrad();
        var logits = net.Forward(Golden.ToTensor("x")).Logits;
        GoldenAssert.RelativeMax(Golden, $"{model}/logits", logits, 1e-5, "the same weights and ops, five layers summed in another order");
        var expected = Golden.ToTensor($"{model}/logits");
        Assert.That(Argmax(logits, 1).ToArray(), Is.EqualTo(Argmax(expected, 1).ToArray()), "predicted classes");
    }

    [Test]
    public void OfficialTorchSaveOfAModuleLoadsAndGivesPyTorchsLogits()
    {
        // torch.save(net) of the official lenet.LeNet5, in a file called "teacher": no extension, a pickled module.
        var loaded = ModelCatalog.Load(TorchFiles.Fixture("teacher"));
        Assert.That((loaded.Arch, loaded.Classes, loaded.Channels), Is.EqualTo(("lenet5", 10, 1)));
        Assert.That(loaded.Notes, Has.One.Contains("pickled lenet.LeNet5 module").And.Contains("none of its code was run"));
        GivesPyTorchLogits(loaded, "teacher");
    }

    [Test]
    public void DataParallelStudentSavedOnAGpuLoadsWithoutItsModulePrefix()
    {
        var loaded = ModelCatalog.Load(TorchFiles.Fixture("student"));
        Assert.That(loaded.Arch, Is.EqualTo("lenet5-half"));
        Assert.That(loaded.Notes, Has.One.Contains("DataParallel checkpoint: the 'module.' prefix was removed from its 10 keys"));
        GivesPyTorchLogits(loaded, "student");
    }

    [Test]
    public void LegacyFormatLoadsTheSameModule() =>
        GivesPyTorchLogits(ModelCatalog.Load(TorchFiles.Fixture("student_legacy.pt")), "student");

    [Test]
    public void StateDictLoadsInPyTorchsKeyOrder()
    {
        using (var state = PyTorchCheckpoint.Load(TorchFiles.Fixture("lenet5_half_state_dict.pt")))
        {
            Assert.That(state.Names, Is.EqualTo(HalfKeys));
            Assert.That(state.Notes, Is.Empty, "float32 tensors of a state dict: nothing to say");
        }
        GivesPyTorchLogits(ModelCatalog.Load(TorchFiles.Fixture("lenet5_half_state_dict.pt")), "student");
    }

    [TestCase("teacher")]
    [TestCase("student")]
    [TestCase("student_legacy.pt")]
    public void AModuleFlattensInStateDictOrder(string file)
    {
        using var state = PyTorchCheckpoint.Load(TorchFiles.Fixture(file));
        Assert.That(state.Names, Is.EqualTo(HalfKeys));
    }

    [Test]
    public void DtypesViewsAndSharedStoragesReadAsPyTorchReadsThem()
    {
        using var state = PyTorchCheckpoint.Load(TorchFiles.Fixture("layouts.pt"));
        string[] keys = ["half", "bfloat16", "double", "transposed", "first_part", "second_part", "bn.num_batches_tracked", "scalar"];
        Assert.That(state.Names, Is.EqualTo(keys));
        foreach (var key in keys)
        {
            Assert.That(state.Tensors[key].Shape, Is.EqualTo(Golden.Shape($"layouts/{key}")), key);
            // float16 and bfloat16 widen exactly; float64 rounds to nearest, as PyTorch's .float() does.
            GoldenAssert.Close(Golden, $"layouts/{key}", state.Tensors[key], Tolerance.Exact("one conversion, rounded the same way"));
        }
        Assert.That(state.Tensors["bn.num_batches_tracked"].Item(), Is.EqualTo(1234f));
        Assert.That(state.Notes, Is.EqualTo(new[]
        {
            $"{state.Path}: 1 bfloat16 tensor converted to float32 (exactly)",
            $"{state.Path}: 1 float16 tensor converted to float32 (exactly)",
            $"{state.Path}: 1 float64 tensor converted to float32 (rounded to nearest)",
        }));
    }

    [TestCase("int8.pt", "int8 (torch.CharStorage)")]
    [TestCase("complex.pt", "complex64 (torch.ComplexFloatStorage)")]
    public void ADtypeNoFloatCheckpointHasIsRefusedByName(string file, string found)
    {
        string path = TorchFiles.Fixture(file);
        Assert.That(() => PyTorchCheckpoint.Load(path), Throws.InstanceOf<InputException>().With.Message.EqualTo(
            $"{path}: tensor 'w' dtype: expected {PyTorchCheckpoint.Dtypes}, found {found}."));
    }

    [Test]
    public void AKeyOfTheWrongShapeIsNamedWithBothShapes()
    {
        string path = TorchFiles.Fixture("wrong_shape.pt");
        Assert.That(() => ModelCatalog.Load(path), Throws.InstanceOf<InputException>().With.Message.EqualTo(
            $"{path}: tensor 'fc1.weight' shape: expected [42, 60] (LeNet5), found [42, 61]."));
    }

    [TestCase("teacher", CheckpointKind.PyTorchZip)]
    [TestCase("student_legacy.pt", CheckpointKind.PyTorchLegacy)]
    public void FormatIsToldByContent(string file, CheckpointKind kind) =>
        Assert.That(CheckpointFormat.Detect(TorchFiles.Fixture(file)), Is.EqualTo(kind));
}
