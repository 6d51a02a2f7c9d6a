using DafL.Autograd;
using DafL.Data;
using DafL.Models;
using static DafL.Ops.Functional;

namespace DafL.Training;

/// <summary>
/// A classifier's score on a dataset: top-1 accuracy, mean cross-entropy, and the confusion matrix
/// (<c>Confusion[label, predicted]</c> counts), from which the per-class accuracies come.
/// </summary>
public sealed record Evaluation(double Accuracy, double Loss, long[,] Confusion)
{
    public int ClassCount => Confusion.GetLength(0);

    /// <summary>Test images of class <paramref name="label"/>.</summary>
    public long Count(int label)
    {
        long n = 0;
        for (int p = 0; p < ClassCount; p++) n += Confusion[label, p];
        return n;
    }

    /// <summary>Accuracy on the images of class <paramref name="label"/> (recall); NaN when the set has none.</summary>
    public double ClassAccuracy(int label)
    {
        long count = Count(label);
        return count == 0 ? double.NaN : (double)Confusion[label, label] / count;
    }

    /// <summary>The class that images of <paramref name="label"/> are most often mistaken for, with its count (−1, 0 when never).</summary>
    public (int Predicted, long Count) TopConfusion(int label)
    {
        (int, long) top = (-1, 0);
        for (int p = 0; p < ClassCount; p++)
            if (p != label && Confusion[label, p] > top.Item2) top = (p, Confusion[label, p]);
        return top;
    }
}

/// <summary>Scores a classifier on a dataset (eval mode, no graph), on the model's device.</summary>
public static class Evaluator
{
    public static Evaluation Evaluate(Classifier model, IImageDataset data, int batchSize = 1000)
    {
        bool wasTraining = model.IsTraining;
        model.Eval();
        try
        {
            return Evaluate(images => model.Forward(images).Logits, data, model.Device, batchSize);
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    /// <summary>
    /// Scores any classifier given as the logits (N, K) of a batch of images (N, C, H, W) on <paramref name="device"/> —
    /// a model of ours, or one run elsewhere (an ONNX export in onnxruntime) — so that both are scored by the same loop,
    /// loss and counts. The logits belong to the batch's scope.
    /// </summary>
    public static Evaluation Evaluate(Func<Tensor, Tensor> logitsOf, IImageDataset data, Device device, int batchSize = 1000)
    {
        var confusion = new long[data.ClassCount, data.ClassCount];
        long correct = 0;
        double lossSum = 0;
        using (GradMode.NoGrad())
        {
            foreach (var batch in new DataLoader(data, batchSize, device: device).Epoch())
            {
                using var scope = TensorScope.Begin();
                using var _ = batch;
                var logits = logitsOf(batch.Images);
                var predicted = Argmax(logits, 1).ToArray();
                var labels = batch.Labels.ToArray();
                for (int i = 0; i < labels.Length; i++)
                {
                    int label = (int)labels[i], guess = (int)predicted[i];
                    if (guess < 0 || guess >= data.ClassCount)
                        throw new InvalidOperationException($"Evaluator: the model predicts class {guess} but {data.Name} has {data.ClassCount} classes.");
                    confusion[label, guess]++;
                    if (guess == label) correct++;
                }
                lossSum += CrossEntropy(logits, batch.Labels).Item() * labels.Length;
            }
        }
        return new Evaluation((double)correct / data.Count, lossSum / data.Count, confusion);
    }
}
