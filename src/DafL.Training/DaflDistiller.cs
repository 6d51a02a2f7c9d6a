using System.Diagnostics;
using System.Globalization;
using DafL.Data;
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
/// file from which <see cref="Resume"/> continues bit-identically.
/// Everything runs on the configured device (the teacher is moved there too); the latent noise uses the same Philox
/// counters on every device, so CPU and CUDA runs see the same z.
/// </summary>
public sealed class DaflDistiller : IDisposable
{
    readonly DistillConfig _config;
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
        _config = config.Validate();
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
        if (_runDir != null) AtomicFile.WriteAllText(Path.Combine(_runDir, "config.json"), _config.ToJson());
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
                var l = Step();
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
                    if (_runDir != null) Checkpoint.SaveModel(Path.Combine(_runDir, "student-best.safetensors"), Reported, _config.ToJson(), EpochMetadata());
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

    Dictionary<string, string> EpochMetadata() => new()
    {
        ["epoch"] = Epoch.ToString(CultureInfo.InvariantCulture),
        ["best_accuracy"] = BestAccuracy.ToString("R", CultureInfo.InvariantCulture),
        ["best_epoch"] = BestEpoch.ToString(CultureInfo.InvariantCulture),
        ["noise_offset"] = _noise.Offset.ToString(CultureInfo.InvariantCulture),
        ["opt_g_steps"] = _optG.StepCount.ToString(CultureInfo.InvariantCulture),
        ["opt_s_steps"] = _optS.StepCount.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Writes the student, the generator and the full resumable state of the run folder.</summary>
    void SaveState()
    {
        var meta = EpochMetadata();
        Checkpoint.SaveModel(Path.Combine(_runDir!, "student.safetensors"), Reported, _config.ToJson(), meta);
        Checkpoint.SaveModel(Path.Combine(_runDir!, "generator.safetensors"), Generator, _config.ToJson(), meta);
        var state = Generator.StateDict().Select(e => ("generator." + e.Key, e.Tensor))
            .Concat(Student.StateDict().Select(e => ("student." + e.Key, e.Tensor)))
            .Concat(_optG.StateTensors().Select(e => ("opt_g." + e.Key, e.Tensor)))
            .Concat(_optS.StateTensors().Select(e => ("opt_s." + e.Key, e.Tensor)))
            .Concat(StudentAverage?.StateDict().Select(e => ("student_ema." + e.Key, e.Tensor)) ?? []);
        SafeTensors.Save(Path.Combine(_runDir!, "state.safetensors"), state, meta);
    }

    /// <summary>
    /// Continues from the state file of <paramref name="runDir"/>. The saved config must equal this one except for
    /// the number of epochs (a finished run can be extended), the device (a run saved on one continues on another)
    /// and the lr milestones that lie ahead (a plateau can be followed by a decay): every setting that
    /// shaped the epochs already run must be the same, so the result equals one uninterrupted run with this config.
    /// </summary>
    public void Resume(string runDir)
    {
        var statePath = Path.Combine(runDir, "state.safetensors");
        var configPath = Path.Combine(runDir, "config.json");
        if (!File.Exists(statePath)) throw new FileNotFoundException($"{statePath}: no state to resume from (a run writes it at the end of each epoch).", statePath);
        var saved = DistillConfig.FromJson(File.ReadAllText(configPath), configPath);
        using var file = SafeTensors.Load(statePath);
        int Meta(string key) => int.Parse(file.Metadata.TryGetValue(key, out var v) ? v : throw new InvalidDataException($"{statePath}: metadata '{key}' is missing."), CultureInfo.InvariantCulture);
        int epochsDone = Meta("epoch");
        if (!SamePast(saved, _config, epochsDone))
            throw new InvalidDataException($"{configPath}: the saved run's settings differ from this run's (only --epochs, --device and " +
                $"the --lr-s-milestones and --lr-g-milestones from epoch {epochsDone} on may change on resume).\nSaved: {saved.ToJson()}\nNow: {_config.ToJson()}");
        Dictionary<string, Tensor> Part(string prefix) => file.Tensors.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(e => e.Key[prefix.Length..], e => e.Value);
        Generator.LoadStateDict(Part("generator."), strict: true, source: statePath);
        Student.LoadStateDict(Part("student."), strict: true, source: statePath);
        StudentAverage?.LoadStateDict(Part("student_ema."), strict: true, source: statePath);
        _optG.LoadState(Part("opt_g."), Meta("opt_g_steps"), statePath);
        _optS.LoadState(Part("opt_s."), Meta("opt_s_steps"), statePath);
        Epoch = epochsDone;
        BestEpoch = Meta("best_epoch");
        BestAccuracy = double.Parse(file.Metadata["best_accuracy"], CultureInfo.InvariantCulture);
        _noise = new Philox(_noise.Seed, ulong.Parse(file.Metadata["noise_offset"], CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Takes <paramref name="other"/>'s training state, from any device: generator, student (BN statistics included),
    /// both optimizers' state and step counts, and the weight average. The next step of both then starts from the same
    /// point, which is how two backends are compared step by step (<see cref="Diagnostics.DaflStepComparison"/>): run
    /// freely, DAFL's steps amplify a rounding difference about tenfold each (lr_G 0.2). The noise stream and the
    /// epoch bookkeeping stay this distiller's own.
    /// </summary>
    public void CopyTrainingStateFrom(DaflDistiller other)
    {
        static Dictionary<string, Tensor> Of(IReadOnlyList<(string Key, Tensor Tensor)> entries) => entries.ToDictionary(e => e.Key, e => e.Tensor);
        const string source = "the other distiller's state";
        Generator.LoadStateDict(Of(other.Generator.StateDict()), strict: true, source: source);
        Student.LoadStateDict(Of(other.Student.StateDict()), strict: true, source: source);
        if (StudentAverage is not null && other.StudentAverage is not null)
            StudentAverage.LoadStateDict(Of(other.StudentAverage.StateDict()), strict: true, source: source);
        _optG.LoadState(Of(other._optG.StateTensors()), other._optG.StepCount, source);
        _optS.LoadState(Of(other._optS.StateTensors()), other._optS.StepCount, source);
    }

    /// <summary>Whether <paramref name="now"/> would have run the first <paramref name="epochsDone"/> epochs as <paramref name="saved"/> did.</summary>
    static bool SamePast(DistillConfig saved, DistillConfig now, int epochsDone)
    {
        // A milestone m scales the lr of epochs m, m+1, ... (0-based), so only those below epochsDone have acted.
        static int[] Past(int[] milestones, int epochsDone) => [.. milestones.Where(m => m < epochsDone).Order()];
        var settings = saved with
        {
            Epochs = now.Epochs, Device = now.Device,
            StudentLrMilestones = now.StudentLrMilestones, GeneratorLrMilestones = now.GeneratorLrMilestones,
        };
        return settings.ToJson() == now.ToJson()
            && Past(saved.StudentLrMilestones, epochsDone).SequenceEqual(Past(now.StudentLrMilestones, epochsDone))
            && Past(saved.GeneratorLrMilestones, epochsDone).SequenceEqual(Past(now.GeneratorLrMilestones, epochsDone));
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
