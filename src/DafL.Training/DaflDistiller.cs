using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
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
/// </summary>
public sealed class DaflDistiller : IDisposable
{
    /// <summary>The names of the files of a run folder.</summary>
    public const string ConfigFile = "config.json", StateFile = "state.safetensors", MetricsFile = "metrics.jsonl";

    /// <summary>The state file's tensor groups, by name prefix.</summary>
    const string GeneratorPart = "generator.", StudentPart = "student.", GeneratorOptimizerPart = "opt_g.",
        StudentOptimizerPart = "opt_s.", StudentAveragePart = "student_ema.";

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
        string kept = _runDir == null ? "nothing was saved (no run folder); start again"
            : Epoch == 0 ? $"no epoch had finished, so {_runDir} holds no checkpoint; start again"
            : $"the last good checkpoint is epoch {Epoch} in {_runDir}; resume with --resume";
        return new RunFailedException($"epoch {Epoch + 1}, step {step}: {e.Message.TrimEnd('.')}; {kept}, perhaps with a lower learning rate.", e);
    }

    RunState State() => new(_config.RunId, Epoch, BestAccuracy, BestEpoch, _noise.Offset, _optG.StepCount, _optS.StepCount);

    /// <summary>Writes the student, the generator and the full resumable state of the run folder.</summary>
    void SaveState()
    {
        var state = State();
        Checkpoint.SaveModel(Path.Combine(_runDir!, "student.safetensors"), Reported, _config.ToJson(), state.ModelMetadata());
        Checkpoint.SaveModel(Path.Combine(_runDir!, "generator.safetensors"), Generator, _config.ToJson(), state.ModelMetadata());
        var tensors = Generator.StateDict().Select(e => (GeneratorPart + e.Key, e.Tensor))
            .Concat(Student.StateDict().Select(e => (StudentPart + e.Key, e.Tensor)))
            .Concat(_optG.StateTensors().Select(e => (GeneratorOptimizerPart + e.Key, e.Tensor)))
            .Concat(_optS.StateTensors().Select(e => (StudentOptimizerPart + e.Key, e.Tensor)))
            .Concat(StudentAverage?.StateDict().Select(e => (StudentAveragePart + e.Key, e.Tensor)) ?? []);
        SafeTensors.Save(Path.Combine(_runDir!, StateFile), tensors, state.StateMetadata());
    }

    /// <summary>
    /// Continues from the state file of <paramref name="runDir"/>. The saved config must equal this one except for
    /// the number of epochs (a finished run can be extended), the device (a run saved on one continues on another)
    /// and the lr milestones that lie ahead (a plateau can be followed by a decay): every setting that
    /// shaped the epochs already run must be the same, so the result equals one uninterrupted run with this config.
    /// The state must be this run's (its run id) and whole: its bookkeeping consistent with its epoch, every
    /// parameter's optimizer state present. The run keeps the saved run id. Nothing changes unless all is well,
    /// except when a tensor fails to load (the distiller is then to be thrown away).
    /// </summary>
    public void Resume(string runDir)
    {
        var statePath = Path.Combine(runDir, StateFile);
        var configPath = Path.Combine(runDir, ConfigFile);
        InputFile.Check(statePath, "run state (a run writes it at the end of each epoch)");
        var saved = DistillConfig.Load(configPath);
        using var file = SafeTensors.Load(statePath);
        // Every state is written here with a checksum: one without it was not, and nothing in it can be trusted.
        if (!file.Verified)
            throw new InputException(statePath, $"checksum ({SafeTensors.ChecksumKey})", "the checksum dafl writes into every run state", "none (the file was not written by dafl)");
        var state = RunState.Read(file.Metadata, statePath, saved);
        RefuseChangedPast(saved, configPath, state.Epoch);
        if (_config.Epochs < state.Epoch)
            throw new SettingException(typeof(DistillConfig), [new InputProblem(SettingName.Of(nameof(DistillConfig.Epochs)).Key, "",
                $"at least {state.Epoch}, the epochs {runDir} has done", _config.Epochs.ToString(CultureInfo.InvariantCulture))]);

        var parts = Parts(file, statePath);
        var generatorOptimizer = RequireEveryParameter(parts[GeneratorOptimizerPart], Generator, state.GeneratorSteps, statePath, GeneratorOptimizerPart);
        var studentOptimizer = RequireEveryParameter(parts[StudentOptimizerPart], Student, state.StudentSteps, statePath, StudentOptimizerPart);
        Generator.LoadStateDict(parts[GeneratorPart], strict: true, source: statePath);
        Student.LoadStateDict(parts[StudentPart], strict: true, source: statePath);
        StudentAverage?.LoadStateDict(parts[StudentAveragePart], strict: true, source: statePath);
        _optG.LoadState(generatorOptimizer, state.GeneratorSteps, statePath);
        _optS.LoadState(studentOptimizer, state.StudentSteps, statePath);
        Epoch = state.Epoch;
        BestEpoch = state.BestEpoch;
        BestAccuracy = state.BestAccuracy;
        _noise = new Philox(_noise.Seed, state.NoiseOffset);
        _config = _config with { RunId = saved.RunId };
    }

    /// <summary>The state's tensors by group (<see cref="GeneratorPart"/>, …), keys without the prefix; another tensor is refused.</summary>
    Dictionary<string, Dictionary<string, Tensor>> Parts(SafeTensorsFile file, string source)
    {
        string[] prefixes = [GeneratorPart, StudentPart, GeneratorOptimizerPart, StudentOptimizerPart, .. StudentAverage == null ? [] : new[] { StudentAveragePart }];
        var parts = prefixes.ToDictionary(p => p, _ => new Dictionary<string, Tensor>(StringComparer.Ordinal));
        foreach (var name in file.Names)
        {
            string prefix = prefixes.FirstOrDefault(p => name.StartsWith(p, StringComparison.Ordinal))
                ?? throw new InputException(source, InputText.Show(name), $"a tensor named {string.Join(", ", prefixes.Select(p => p + "*"))}", "another name");
            parts[prefix][name[prefix.Length..]] = file.Tensors[name];
        }
        return parts;
    }

    /// <summary>
    /// The optimizer state of <paramref name="model"/>'s parameters, which must be whole: every parameter is updated
    /// at every DAFL step, so after <paramref name="steps"/> &gt; 0 steps each has its state, with that step count
    /// (an optimizer given less would silently start those parameters afresh), and before the first step none has.
    /// The rest (the names and shapes of the moments) <see cref="Optimizer.LoadState"/> checks.
    /// </summary>
    static Dictionary<string, Tensor> RequireEveryParameter(Dictionary<string, Tensor> state, NN.Module model, int steps, string source, string prefix)
    {
        int count = model.Parameters().Count();
        if (steps == 0 && state.Count > 0)
            throw new InputException(source, prefix + state.Keys.First(), "no optimizer state before the first step", "a tensor");
        for (int i = 0; i < count && steps > 0; i++)
        {
            string key = $"{i}.step";
            if (!state.TryGetValue(key, out var step))
                throw new InputException(source, prefix + key, $"the step count of parameter {i} of {count}", "no such tensor (a missing optimizer state)");
            if (step.Numel != 1 || step.Item() != steps)
                throw new InputException(source, prefix + key, $"{steps}, the optimizer's step count", step.Numel == 1 ? step.Item().ToString(CultureInfo.InvariantCulture) : $"a tensor of shape {Tensor.ShapeString(step.Shape)}");
        }
        return state;
    }

    /// <summary>
    /// Refuses to resume <paramref name="saved"/> as this run unless this config would have run the first
    /// <paramref name="epochsDone"/> epochs as it did, naming the first setting that differs.
    /// </summary>
    void RefuseChangedPast(DistillConfig saved, string configPath, int epochsDone)
    {
        FormattableString hint = $"Only {SettingName.Of(nameof(DistillConfig.Epochs))}, {SettingName.Of(nameof(DistillConfig.Device))} and the lr milestones from epoch {epochsDone} on may change on resume.";
        SettingException Changed(string key, string now, string was) =>
            new(typeof(DistillConfig), [new InputProblem(configPath, key, $"{now} (this run's)", $"{was} (the saved run's)")], hint);
        // A milestone m scales the lr of epochs m, m+1, ... (0-based), so only those below epochsDone have acted.
        int[] Past(int[] milestones) => [.. milestones.Where(m => m < epochsDone).Order()];
        var now = _config;
        var comparable = saved with
        {
            Epochs = now.Epochs, Device = now.Device, RunId = now.RunId,
            StudentLrMilestones = now.StudentLrMilestones, GeneratorLrMilestones = now.GeneratorLrMilestones,
        };
        var before = JsonSerializer.SerializeToElement(comparable, DistillConfig.Json);
        foreach (var setting in JsonSerializer.SerializeToElement(now, DistillConfig.Json).EnumerateObject())
        {
            var old = before.GetProperty(setting.Name);
            if (old.GetRawText() != setting.Value.GetRawText())
                throw Changed(setting.Name, Shown(setting.Value), Shown(old));
        }
        foreach (var (name, was, isNow) in new[]
        {
            (nameof(DistillConfig.StudentLrMilestones), saved.StudentLrMilestones, now.StudentLrMilestones),
            (nameof(DistillConfig.GeneratorLrMilestones), saved.GeneratorLrMilestones, now.GeneratorLrMilestones),
        })
            if (!Past(was).SequenceEqual(Past(isNow)))
                throw Changed(SettingName.Of(name).Key, $"[{string.Join(", ", isNow)}]", $"[{string.Join(", ", was)}]");
    }

    /// <summary>A setting's value on one line: a string without quotes, an array as [a, b].</summary>
    static string Shown(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => InputText.Show(value.GetString()!),
        JsonValueKind.Array => $"[{string.Join(", ", value.EnumerateArray().Select(Shown))}]",
        _ => InputText.Show(value.GetRawText()),
    };

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

    public void Dispose()
    {
        _optG.Dispose();
        _optS.Dispose();
        Generator.Dispose();
        Student.Dispose();
        StudentAverage?.Dispose();
    }
}
