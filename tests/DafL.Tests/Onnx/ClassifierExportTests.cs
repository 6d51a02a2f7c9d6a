using DafL.Models;
using DafL.Random;
using DafL.Tests.Support;
using static DafL.Tests.Onnx.OnnxParity;

namespace DafL.Tests.Onnx;

/// <summary>
/// Each classifier exported and run in onnxruntime 1.32 (CPU) gives our eval-mode logits within 1e-5 relative
/// (<see cref="OnnxParity.RelativeError"/>), through one dynamic-batch export at two batch sizes, and through a
/// fixed-batch export. Batch norms carry random statistics, so their folding into the convolutions is tested.
/// </summary>
public class ClassifierExportTests : TempFolderTest
{
    static IEnumerable<TestCaseData> Classifiers()
    {
        yield return new TestCaseData("lenet5", 1, 10).SetArgDisplayNames("lenet5");
        yield return new TestCaseData("lenet5-half", 1, 10).SetArgDisplayNames("lenet5-half");
        yield return new TestCaseData("resnet18", 3, 10).SetArgDisplayNames("resnet18, 3 channels");
        yield return new TestCaseData("resnet18", 1, 10).SetArgDisplayNames("resnet18, 1 channel");
        yield return new TestCaseData("resnet34", 3, 100).SetArgDisplayNames("resnet34, 3 channels, 100 classes");
        yield return new TestCaseData("resnet34", 1, 10).SetArgDisplayNames("resnet34, 1 channel");
    }

    [TestCaseSource(nameof(Classifiers))]
    public void ADynamicBatchExportGivesOurLogitsAtTwoBatchSizes(string arch, int channels, int classes)
    {
        using var model = Classifier(arch, channels, classes, seed: 11);
        using var onnx = ExportAndLoad(model, arch, batch: null, Path.Combine(Dir, "model.onnx"));
        Assert.That(onnx.FixedBatch, Is.Null);
        Assert.That(onnx.InputShape, Is.EqualTo(new[] { channels, 32, 32 }));
        Assert.That(onnx.Classes, Is.EqualTo(classes));
        foreach (int n in new[] { 2, 3 })
        {
            using var x = Tensor.Randn([n, channels, 32, 32], new Philox((ulong)(100 + n)));
            var ours = Ours(images => model.Forward(images).Logits, x);
            var theirs = Ours(onnx.Logits, x);
            Assert.That(RelativeError(ours, theirs), Is.LessThanOrEqualTo(MostRelativeError), $"batch {n}");
        }
    }

    [TestCase("lenet5-half", 1)]
    [TestCase("resnet18", 3)]
    public void AFixedBatchExportGivesOurLogitsAndRunsAnyCountInPaddedBatches(string arch, int channels)
    {
        using var model = Classifier(arch, channels, 10, seed: 12);
        using var onnx = ExportAndLoad(model, arch, batch: 4, Path.Combine(Dir, "model.onnx"));
        Assert.That(onnx.FixedBatch, Is.EqualTo(4));
        foreach (int n in new[] { 4, 5 }) // exactly the batch; one over it, the second run padded with three zero images
        {
            using var x = Tensor.Randn([n, channels, 32, 32], new Philox((ulong)(200 + n)));
            var ours = Ours(images => model.Forward(images).Logits, x);
            var theirs = Ours(onnx.Logits, x);
            Assert.That(RelativeError(ours, theirs), Is.LessThanOrEqualTo(MostRelativeError), $"{n} images");
        }
    }

    /// <summary>The relative error can fail: an export of other weights is far off (as a fold that ignored the statistics would be).</summary>
    [Test]
    public void TheComparisonSeesAnotherModelsLogits()
    {
        using var model = Classifier("resnet18", 1, 10, seed: 13);
        using var other = Classifier("resnet18", 1, 10, seed: 14);
        using var onnx = ExportAndLoad(other, "resnet18", batch: null, Path.Combine(Dir, "model.onnx"));
        using var x = Tensor.Randn([2, 1, 32, 32], new Philox(5));
        Assert.That(RelativeError(Ours(images => model.Forward(images).Logits, x), Ours(onnx.Logits, x)), Is.GreaterThan(1e-2));
    }
}
