using System.Globalization;
using System.Text.Json;
using DafL.Errors;
using DafL.IO;
using DafL.Optim;
using DafL.Random;

namespace DafL.Training;

/// <summary>
/// A distiller's state: written to the run folder at the end of each epoch (<see cref="SaveState"/>), continued from
/// there (<see cref="Resume"/>, which refuses a state or config that would not continue the same run), and taken from
/// another distiller (<see cref="CopyTrainingStateFrom"/>).
/// </summary>
public sealed partial class DaflDistiller
{
    /// <summary>The state file's tensor groups, by name prefix.</summary>
    const string GeneratorPart = "generator.", StudentPart = "student.", GeneratorOptimizerPart = "opt_g.",
        StudentOptimizerPart = "opt_s.", StudentAveragePart = "student_ema.";
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
}
