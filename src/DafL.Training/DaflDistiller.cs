using System.Diagnostics;
using DafL.Data;
using DafL.Errors;
using DafL.IO;
using DafL.Models;
using DafL.Optim;
using DafL.Random;

namespace DafL.Training;

/// <summary>The losses of one DAFL iteration, read back as numbers.</summary>
public readonly record struct StepLosses(double Total, double OneHot, double InformationEntropy, double Activation, double Kd);

/// <summary>
/// Data-free distillation (DAFL): a generator trained against the frozen teacher, and a student distilled on
/// the generated images, both stepped after one backward per iteration (../shared/DESIGN.md §1). The real test
/// set, when given, is only used to report accuracy after each epoch — never to train.
/// With a run folder, every epoch ends with a checkpoint (written to temp files and renamed): the last and best
/// student (its weight average when <see cref="DistillConfig.StudentEma"/> is set), the generator, and a full state
/// file from which <see cref="Resume"/> continues bit-identically. A run that starts clears the temporary files of
/// writes that a killed process left, and cuts its metrics log back to the epoch it starts from; a loss that is not
/// finite stops it with a <see cref="RunFailedException"/> before anything of that epoch is written.
/// Everything runs on the configured device (the teacher is moved there too); the latent noise uses the same Philox
/// counters on every device, so CPU and CUDA runs see the same z.
/// This file holds the training loop; the run's state (saved each epoch, resumed, copied) is in DaflDistiller.State.cs.
/// </summary>
public sealed partial class DaflDistiller : IDisposable
{
    /// <summary>The names of the files of a run folder.</summary>
    public const string ConfigFile = "config.json", StateFile = "state.safetensors", MetricsFile = "metrics.jsonl";

    DistillConfig _config; // its run id is this run's: new, or the saved run's after Resume
    readonly Classifier _teacher;
    readonly IImageDataset? _test;
    readonly string? _runDir;
    readonly Optimizer _optG, _optS;
    readonly LrScheduler _scheduleS, _scheduleG;
    readonly ModelEma? _studentEma;
    Philox _noise;

    public DaflGenerator Generator { get; }
    /// <summary>The student being trained.</summary>
    public Classifier Student { get; }
    /// <summary>The moving average of the student's weights (with <see cref="DistillConfig.StudentEma"/> set), else null.</summary>
    public Classifier? StudentAverage { get; }
    /// <summary>The student that is evaluated, reported and saved: the average when there is one.</summary>
    public Classifier Reported => StudentAverage ?? Student;
    /// <summary>Epochs completed.</summary>
    public int Epoch { get; private set; }
    public double BestAccuracy { get; private set; }
    public int BestEpoch { get; private set; }

    public DaflDistiller(DistillConfig config, Classifier teacher, IImageDataset? test = null, string? runDir = null)
    {
        config.Validate();
        if (config.RunId.Length > 0 && !RunIds.IsWellFormed(config.RunId))
            throw new ArgumentException($"The config's run id '{config.RunId}' is not {RunIds.Described}.", nameof(config));
        _config = config.RunId.Length == 0 ? config with { RunId = RunIds.New() } : config;
        _teacher = teacher;
        _test = test;
        _runDir = runDir;
        teacher.Eval();
        teacher.Freeze();
        teacher.To(config.Device);
        // Weights are drawn on the host (the same on every device), then moved before the optimizers make their state.
        Generator = new DaflGenerator(config.LatentDim, config.ImageSize, config.Channels, SeedStreams.For(config.Seed, "generator-init"), config.GeneratorWidth);
        Generator.To(config.Device);
        Student = ModelCatalog.Create(config.Student, config.NumClasses, config.Channels, SeedStreams.For(config.Seed, "student-init"));
        Student.To(config.Device);
        _optG = new Adam(Generator.Parameters(), config.LrG);
        _optS = OptimizerFactory.Create(config.StudentOptimizer, Student.Parameters(), config.LrS, config.StudentMomentum,
            config.StudentOptimizer == "sgd" ? config.StudentWeightDecay : 0f);
        _scheduleS = OptimizerFactory.Schedule(_optS, config.StudentLrMilestones);
        _scheduleG = OptimizerFactory.Schedule(_optG, config.GeneratorLrMilestones);
        _noise = SeedStreams.For(config.Seed, "latent-noise");
        if (config.StudentEma > 0)
        {
            // Its own initial weights are overwritten with the student's; the stream only gives it a definite start.
            StudentAverage = ModelCatalog.Create(config.Student, config.NumClasses, config.Channels, SeedStreams.For(config.Seed, "student-init"));
            StudentAverage.To(config.Device);
            StudentAverage.Freeze();
            _studentEma = new ModelEma(Student, StudentAverage, config.StudentEma);
        }
    }

    /// <summary>One DAFL iteration on a fresh batch of noise from the run's generator.</summary>
    public StepLosses Step()
    {
        using var z = Tensor.Randn([_config.BatchSize, _config.LatentDim], _noise, _config.Device); // (B, latent)
        return Step(z);
    }

    /// <summary>One DAFL iteration on the given latent batch z (B, latent), on any device — golden tests feed PyTorch's z.</summary>
    public StepLosses Step(Tensor z)
    {
        using var scope = TensorScope.Begin();
        var latent = z.Device == _config.Device ? z : z.To(_config.Device);        // a copy belongs to the scope
        var images = Generator.Forward(latent);                                   // (B, C, s, s), BN on batch statistics
        var (teacherLogits, teacherFeatures) = _teacher.Forward(images);          // frozen teacher, eval mode
        var (studentLogits, _) = Student.Forward(images.Detach());               // the student never reaches the generator
        var losses = DaflObjective.Compute(teacherLogits, teacherFeatures, studentLogits, _config);
        _optG.ZeroGrad();
        _optS.ZeroGrad();
        losses.Total.Backward();
        _optG.Step();
        _optS.Step();
        _studentEma?.Update(_optS.StepCount);
        var v = Tensor.Items(losses.Total, losses.OneHot, losses.InformationEntropy, losses.Activation, losses.Kd);
        return new StepLosses(v[0], v[1], v[2], v[3], v[4]);
    }

    /// <summary>Runs the remaining epochs (from <see cref="Epoch"/> to the configured count).</summary>
    public RunResult Run(ITrainingObserver? observer = null, MetricsLog? log = null, CancellationToken cancel = default)
    {
        observer ??= SilentObserver.Instance;
        var total = Stopwatch.StartNew();
        double lastAcc = 0, stepMs = 0;
        int steps = 0, startEpoch = Epoch;
        if (_runDir != null)
        {
            AtomicFile.RemoveStaleTempsIn(_runDir);
            AtomicFile.WriteAllText(Path.Combine(_runDir, ConfigFile), _config.ToJson());
        }
        log?.CutBackTo(Epoch);
        while (Epoch < _config.Epochs)
        {
            cancel.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            _scheduleS.SetEpoch(Epoch);
            _scheduleG.SetEpoch(Epoch);
            Student.Train();
            Generator.Train();
            var sums = new double[5];
            double epochStepMs = 0;
            for (int i = 0; i < _config.ItersPerEpoch; i++)
            {
                var step = Stopwatch.StartNew();
                StepLosses l;
                try
                {
                    l = Step();
                }
                catch (ArithmeticException e) when (e.GetType() == typeof(ArithmeticException)) // backward's non-finite loss, not an overflow
                {
                    throw Diverged(i + 1, e);
                }
                epochStepMs += step.Elapsed.TotalMilliseconds;
                steps++;
                sums[0] += l.Total; sums[1] += l.OneHot; sums[2] += l.InformationEntropy; sums[3] += l.Activation; sums[4] += l.Kd;
                observer.OnIteration(Epoch, i + 1, _config.ItersPerEpoch);
            }
            stepMs += epochStepMs;
            Epoch++;
            double? acc = null, rawAcc = null;
            if (_test != null)
            {
                acc = Evaluator.Evaluate(Reported, _test).Accuracy;
                if (StudentAverage != null) rawAcc = Evaluator.Evaluate(Student, _test).Accuracy;
                lastAcc = acc.Value;
                if (acc.Value > BestAccuracy)
                {
                    (BestAccuracy, BestEpoch) = (acc.Value, Epoch);
                    if (_runDir != null) Checkpoint.SaveModel(Path.Combine(_runDir, "student-best.safetensors"), Reported, _config.ToJson(), State().ModelMetadata());
                }
            }
            int n = _config.ItersPerEpoch;
            var losses = new Dictionary<string, double>
            {
                ["total"] = sums[0] / n, ["one_hot"] = sums[1] / n, ["info_entropy"] = sums[2] / n, ["activation"] = sums[3] / n, ["kd"] = sums[4] / n,
            };
            var summary = new EpochSummary(Epoch, _config.Epochs, losses, acc, BestAccuracy, BestEpoch, clock.Elapsed.TotalSeconds);
            log?.Write(new { kind = "distill_epoch", epoch = Epoch, losses, test_acc = acc, test_acc_raw = rawAcc, best_acc = BestAccuracy, best_epoch = BestEpoch, lr_s = _optS.LearningRate, lr_g = _optG.LearningRate, step_ms = epochStepMs / n, seconds = summary.Seconds });
            if (_runDir != null) SaveState();
            observer.OnEpoch(summary);
        }
        return new RunResult(BestAccuracy, BestEpoch, lastAcc, Epoch - startEpoch, total.Elapsed.TotalSeconds, steps == 0 ? 0 : stepMs / steps);
    }

    /// <summary>The failure of step <paramref name="step"/> of the epoch under way, saying what was kept.</summary>
    RunFailedException Diverged(int step, ArithmeticException e)
    {
        string failure = $"epoch {Epoch + 1}, step {step}: {e.Message.TrimEnd('.')}";
        if (_runDir != null && Epoch > 0) return new ResumableRunException(failure, Epoch, _runDir, e);
        string kept = _runDir == null ? "nothing was saved (no run folder)" : $"no epoch had finished, so {_runDir} holds no checkpoint";
        return new RunFailedException($"{failure}; {kept}; start again, perhaps with a lower learning rate.", e);
    }

    public void Dispose()
    {
        _optG.Dispose();
        _optS.Dispose();
        Generator.Dispose();
        Student.Dispose();
        StudentAverage?.Dispose();
    }
}
