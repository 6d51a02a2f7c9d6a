using System.Diagnostics;
using DafL.Data;
using DafL.Errors;
using DafL.IO;
using DafL.Models;
using static DafL.Ops.Functional;

namespace DafL.Training;

/// <summary>
/// Trains a teacher on real data with cross-entropy, evaluating on the test set after every epoch. A loss that is not
/// finite stops the training with a <see cref="RunFailedException"/> naming the epoch and the step.
/// </summary>
/// <param name="output">
/// The file the caller saves the teacher to, if any: the temporary files that a killed write of it (or of its
/// sidecar) left are removed when training starts.
/// </param>
public sealed class TeacherTrainer(TeacherConfig config, IImageDataset train, IImageDataset? test, string? output = null)
{
    /// <summary>
    /// Trains <paramref name="model"/> in place on the configured device (where it is moved and stays); the final
    /// weights are the last epoch's (as the official script saves). The log, if any, starts afresh (a new run's epochs).
    /// </summary>
    public RunResult Train(Classifier model, ITrainingObserver? observer = null, MetricsLog? log = null)
    {
        config.Validate();
        observer ??= SilentObserver.Instance;
        if (output != null)
        {
            AtomicFile.RemoveStaleTemps(output);
            AtomicFile.RemoveStaleTemps(Checkpoint.SidecarPath(output));
        }
        log?.CutBackTo(0);
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
            double lossSum = 0, epochStepMs = 0;
            int iteration = 0;
            foreach (var batch in loader.Epoch())
            {
                var step = Stopwatch.StartNew();
                using (var scope = TensorScope.Begin())
                using (batch)
                {
                    var (logits, _) = model.Forward(batch.Images);
                    var loss = CrossEntropy(logits, batch.Labels);
                    try
                    {
                        optimizer.ZeroGrad();
                        loss.Backward();
                        optimizer.Step();
                        lossSum += loss.Item(); // on a device, where backward's check of the loss is read
                    }
                    catch (ArithmeticException e) when (e.GetType() == typeof(ArithmeticException)) // a non-finite loss, not an overflow
                    {
                        throw new RunFailedException($"epoch {epoch + 1}, step {iteration + 1}: {e.Message.TrimEnd('.')}; nothing was saved " +
                            "(the teacher is written when training ends); train again, perhaps with a lower learning rate.", e);
                    }
                }
                epochStepMs += step.Elapsed.TotalMilliseconds;
                steps++;
                observer.OnIteration(epoch, ++iteration, loader.BatchCount);
            }
            stepMs += epochStepMs;
            double? acc = null;
            if (test != null)
            {
                acc = Evaluator.Evaluate(model, test).Accuracy;
                last = acc.Value;
                if (acc.Value > best) (best, bestEpoch) = (acc.Value, epoch + 1);
            }
            var summary = new EpochSummary(epoch + 1, config.Epochs, new Dictionary<string, double> { ["ce"] = lossSum / iteration }, acc, best, bestEpoch, clock.Elapsed.TotalSeconds);
            log?.Write(new { kind = "teacher_epoch", epoch = epoch + 1, loss = lossSum / iteration, test_acc = acc, lr = optimizer.LearningRate, step_ms = epochStepMs / iteration, seconds = summary.Seconds });
            observer.OnEpoch(summary);
        }
        return new RunResult(best, bestEpoch, last, config.Epochs, total.Elapsed.TotalSeconds, steps == 0 ? 0 : stepMs / steps);
    }
}
