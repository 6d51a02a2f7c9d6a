using DafL.Data;
using DafL.Models;
using DafL.Random;
using DafL.Training;
using static DafL.Ops.Functional;

namespace DafL.Tests.Training;

public class EvaluatorTests : Support.LeakCheckedTest
{

    [Test]
    public void TheConfusionMatrixCountsEveryImageByLabelAndPrediction()
    {
        var data = Support.RandomImages.Labelled(45, 4);
        using var net = LeNet5.Half(new Philox(8));
        var score = Evaluator.Evaluate(net, data, batchSize: 8);

        // The same predictions, computed here in one batch.
        float[] predicted;
        using (var scope = TensorScope.Begin())
        using (Autograd.GradMode.NoGrad())
        {
            net.Eval();
            var x = Tensor.FromArray(Enumerable.Range(0, data.Count).SelectMany(i => Sample(data, i)).ToArray(), data.Count, 1, 32, 32);
            predicted = Argmax(net.Forward(x).Logits, 1).ToArray();
        }
        var expected = new long[10, 10];
        for (int i = 0; i < data.Count; i++) expected[data.Label(i), (int)predicted[i]]++;
        Assert.That(score.Confusion, Is.EqualTo(expected));
        Assert.That(score.Accuracy, Is.EqualTo(Enumerable.Range(0, 10).Sum(c => expected[c, c]) / 45.0));
        Assert.That(score.Count(3), Is.EqualTo(5), "labels cycle 0–9: 45 images give class 3 five");
        Assert.That(score.ClassAccuracy(3), Is.EqualTo(expected[3, 3] / 5.0));
    }

    [Test]
    public void TheTopConfusionIsTheMostFrequentWrongClass()
    {
        var confusion = new long[3, 3] { { 5, 2, 3 }, { 0, 4, 0 }, { 1, 1, 0 } };
        var score = new Evaluation(0.5, 1, confusion);
        Assert.That(score.TopConfusion(0), Is.EqualTo((2, 3L)));
        Assert.That(score.TopConfusion(1), Is.EqualTo((-1, 0L)), "never mistaken");
        Assert.That(score.TopConfusion(2), Is.EqualTo((0, 1L)), "a tie goes to the lower class");
        Assert.That(score.ClassAccuracy(2), Is.EqualTo(0.0));
    }

    static float[] Sample(IImageDataset data, int index)
    {
        var buffer = new float[data.Channels * data.Height * data.Width];
        data.WriteSample(index, default, buffer);
        return buffer;
    }
}
