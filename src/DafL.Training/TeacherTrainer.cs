using System.Diagnostics;
using DafL.Data;
using DafL.Models;
using static DafL.Ops.Functional;

namespace DafL.Training;

/// <summary>Trains a teacher on real data with cross-entropy, evaluating on the test set after every epoch.</summary>
public sealed class TeacherTrainer(TeacherConfig config, IImageDataset train, IImageDataset? test)
{
    /// <summary>
    /// Trains <paramref name="model"/> in place on the configured device (where it is moved and stays); the final
    /// weights are the last epoch's (as the official script saves).
    /// </summary>
    public RunResult Train(Classifier model, ITrainingObserver? observer = null, MetricsLog? log = null)
    {
        config.Validate();
        observer ??= SilentObserver.Instance;
        model.To(config.Device);
        var loader = new DataLoader(train, config.BatchSize, shuffle: true, SeedStreams.For(config.Seed, "teacher-data"), device: config.Device);
        using var optimizer = OptimizerFactory.Create(config.Optimizer, model.Parameters(), config.Lr, config.Momentum, config.WeightDecay);
        var schedule = OptimizerFactory.Schedule(optimizer, config.LrMilestones);
        var total = Stopwatch.StartNew();
        double best = 0, last = 0, stepMs = 0;
        int bestEpoch = 0, steps = 0;
        for (int epoch = 0; epoch < config.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            schedule.SetEpoch(epoch);
            model.Train();
            double lossSum = 0;
            int iteration = 0;
            foreach (var batch in loader.Epoch())
            {
                var step = Stopwatch.StartNew();
                using (var scope = TensorScope.Begin())
                using (batch)
                {
                    var (logits, _) = model.Forward(batch.Images);
                    var loss = CrossEntropy(logits, batch.Labels);
                    optimizer.ZeroGrad();
                    loss.Backward();
                    optimizer.Step();
                    lossSum += loss.Item();
                }
                stepMs += step.Elapsed.TotalMilliseconds;
                steps++;
                observer.OnIteration(epoch, ++iteration, loader.BatchCount);
            }
            double? acc = null;
            if (test != null)
            {
                acc = Evaluator.Evaluate(model, test).Accuracy;
                last = acc.Value;
                if (acc.Value > best) (best, bestEpoch) = (acc.Value, epoch + 1);
            }
            var summary = new EpochSummary(epoch + 1, config.Epochs, new Dictionary<string, double> { ["ce"] = lossSum / iteration }, acc, best, bestEpoch, clock.Elapsed.TotalSeconds);
            log?.Write(new { kind = "teacher_epoch", epoch = epoch + 1, loss = lossSum / iteration, test_acc = acc, lr = optimizer.LearningRate, seconds = summary.Seconds });
            observer.OnEpoch(summary);
        }
        return new RunResult(best, bestEpoch, last, config.Epochs, total.Elapsed.TotalSeconds, steps == 0 ? 0 : stepMs / steps);
    }
}
