using DafL.Autograd;
using DafL.Data;
using DafL.Models;
using static DafL.Ops.Functional;

namespace DafL.Training;

/// <summary>Top-1 accuracy and mean cross-entropy of a classifier on a dataset (eval mode, no graph), on the model's device.</summary>
public static class Evaluator
{
    public static (double Accuracy, double Loss) Evaluate(Classifier model, IImageDataset data, int batchSize = 1000)
    {
        bool wasTraining = model.IsTraining;
        model.Eval();
        long correct = 0;
        double lossSum = 0;
        using (GradMode.NoGrad())
        {
            foreach (var batch in new DataLoader(data, batchSize, device: model.Device).Epoch())
            {
                using var scope = TensorScope.Begin();
                using var _ = batch;
                var (logits, _) = model.Forward(batch.Images);
                var predicted = Argmax(logits, 1).ToArray();
                var labels = batch.Labels.ToArray();
                for (int i = 0; i < labels.Length; i++) if (predicted[i] == labels[i]) correct++;
                lossSum += CrossEntropy(logits, batch.Labels).Item() * labels.Length;
            }
        }
        model.Train(wasTraining);
        return ((double)correct / data.Count, lossSum / data.Count);
    }
}
