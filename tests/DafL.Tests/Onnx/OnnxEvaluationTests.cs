using DafL.Data;
using DafL.Models;
using DafL.Random;
using DafL.Tests.Support;
using DafL.Training;
using static DafL.Ops.Functional;
using static DafL.Tests.Onnx.OnnxParity;

namespace DafL.Tests.Onnx;

/// <summary>
/// The evaluation loop scores an ONNX export exactly as it scores our model: on a synthetic image set every
/// prediction is the same, so the confusion matrix and the correct count are equal, and the loss agrees to
/// float rounding. Dynamic and fixed batches (the fixed one does not divide the set: its last run is padded).
/// </summary>
public class OnnxEvaluationTests : TempFolderTest
{
    const int Images = 45;

    [TestCase(null)]
    [TestCase(7)]
    public void AnExportPredictsEveryImageAsOurModelDoes(int? batch)
    {
        var data = RandomImages(Images, seed: 41);
        using var model = LeNet5.Half(new Philox(42));
        Spread(model, data);
        model.Eval();
        using var onnx = ExportAndLoad(model, "lenet5-half", batch, Path.Combine(Dir, "student.onnx"));

        var ours = Evaluator.Evaluate(model, data, batchSize: 8);
        var theirs = Evaluator.Evaluate(onnx.Logits, data, Device.Cpu, batchSize: 8);
        Assert.That(theirs.Confusion, Is.EqualTo(ours.Confusion));
        Assert.That(theirs.Accuracy, Is.EqualTo(ours.Accuracy), "the same correct count");
        Assert.That(theirs.Loss, Is.EqualTo(ours.Loss).Within(1e-5).Percent);

        using var x = AllImages(data);
        Assert.That(Predictions(onnx.Logits, x), Is.EqualTo(Predictions(images => model.Forward(images).Logits, x)), "image by image");
        Assert.That(Predictions(onnx.Logits, x).Distinct().Count(), Is.GreaterThan(1), "a model that predicts one class compares little");
    }

    /// <summary>
    /// Centres the logits over <paramref name="data"/> (fc2's bias less their mean): at initialisation a LeNet predicts
    /// one class for nearly every image, and a test of equal predictions needs several.
    /// </summary>
    static void Spread(LeNet5 model, IImageDataset data)
    {
        using var x = AllImages(data);
        using var scope = TensorScope.Begin();
        using var _ = Autograd.GradMode.NoGrad();
        var bias = model.StateDict().First(e => e.Key == "fc2.bias").Tensor;
        bias.CopyFrom(Sub(bias, Mean(model.Forward(x).Logits, 0)));
    }

    /// <summary>Random 32×32 images, image i shifted by (i mod 5) − 2 so that they differ more than noise does, with labels 0, 1, …, 9, 0, 1, …</summary>
    static NormalizedImageDataset RandomImages(int count, ulong seed)
    {
        using var noise = Tensor.Randn([count, 1, 32, 32], new Philox(seed));
        var pixels = noise.ToArray().Select((v, k) => v + k / (32 * 32) % 5 - 2f).ToArray();
        return new NormalizedImageDataset("random", 1, 32, 32, 10, pixels, [.. Enumerable.Range(0, count).Select(i => (byte)(i % 10))]);
    }

    static Tensor AllImages(IImageDataset data)
    {
        var pixels = new float[data.Count * 32 * 32];
        for (int i = 0; i < data.Count; i++) data.WriteSample(i, default, pixels.AsSpan(i * 32 * 32, 32 * 32));
        return Tensor.FromArray(pixels, data.Count, 1, 32, 32);
    }

    static float[] Predictions(Func<Tensor, Tensor> logitsOf, Tensor x) => Ours(images => Argmax(logitsOf(images), 1), x);
}
