using System.CommandLine;
using DafL.Cli.Options;
using DafL.Models;
using DafL.Reports;
using DafL.Training;
using Spectre.Console;

namespace DafL.Cli.Commands;

/// <summary><c>dafl distill</c>: DAFL data-free distillation from a teacher checkpoint, every setting overridable.</summary>
public static class DistillCommand
{
    /// <summary>The option that continues a run from its last checkpoint; failures that can be resumed name it.</summary>
    public const string ResumeOption = "--resume";

    sealed class Overrides
    {
        public readonly Option<string> Preset = CheckedOptions.Choice("--preset", DistillPresets.Names, $"Starting settings: {string.Join(" | ", DistillPresets.Names)}", "mnist");
        public readonly Option<int?> Batch = CheckedOptions.Whole("--batch", SettingRanges.Batch, "Generated images per iteration");
        public readonly Option<int?> Epochs = CheckedOptions.Whole("--epochs", SettingRanges.Epochs, "Epochs");
        public readonly Option<int?> Iters = CheckedOptions.Whole("--iters", SettingRanges.Iterations, "Iterations per epoch (official: 120)");
        public readonly Option<float?> LrG = CheckedOptions.Real("--lr-g", SettingRanges.LearningRate, "Generator learning rate (Adam)");
        public readonly Option<float?> LrS = CheckedOptions.Real("--lr-s", SettingRanges.LearningRate, "Student learning rate");
        public readonly Option<int?> Latent = CheckedOptions.Whole("--latent", SettingRanges.Latent, "Latent size of the generator");
        public readonly Option<int?> Width = CheckedOptions.Whole("--gen-width", SettingRanges.GeneratorWidth, "Generator width (official 128)");
        public readonly Option<float?> Oh = CheckedOptions.Real("--oh", SettingRanges.LossWeight, "Weight of the one-hot loss");
        public readonly Option<float?> Ie = CheckedOptions.Real("--ie", SettingRanges.LossWeight, "Weight of the information-entropy loss");
        public readonly Option<float?> A = CheckedOptions.Real("--a", SettingRanges.LossWeight, "Weight of the activation loss");
        public readonly Option<LossVariant?> Entropy = CheckedOptions.Named<LossVariant>("--entropy", "Official (Σ p̄ log10 p̄) or Paper ((1/k) Σ p̄ ln p̄)");
        public readonly Option<LossVariant?> Activation = CheckedOptions.Named<LossVariant>("--activation", "Official (−mean |f|) or Paper (−(1/n) Σ ‖f‖₁)");
        public readonly Option<string?> Student = CheckedOptions.Choice("--student", ModelCatalog.Architectures, "Student architecture: lenet5-half | lenet5 | resnet18 | resnet34");
        public readonly Option<ulong?> Seed = CheckedOptions.Seed("Seed of every random stream");
        public readonly Option<int[]?> Milestones = CheckedOptions.Wholes("--lr-s-milestones", SettingRanges.Milestone, "Epochs at which the student's learning rate is multiplied by 0.1");
        public readonly Option<int[]?> GeneratorMilestones = CheckedOptions.Wholes("--lr-g-milestones", SettingRanges.Milestone, "Epochs at which the generator's learning rate is multiplied by 0.1 (none officially)");
        public readonly Option<float?> StudentEma = CheckedOptions.Real("--student-ema", SettingRanges.AverageDecay, "Evaluate and save a moving average of the student's weights, with this decay per step (0: off, as officially)");
        public IEnumerable<Option> All => [Preset, Batch, Epochs, Iters, LrG, LrS, Latent, Width, Oh, Ie, A, Entropy, Activation, Student, Seed, Milestones, GeneratorMilestones, StudentEma];

        public DistillConfig Apply(ParseResult p)
        {
            var c = DistillPresets.Get(p.GetValue(Preset)!);
            if (p.GetValue(Batch) is { } b) c = c with { BatchSize = b };
            if (p.GetValue(Epochs) is { } e) c = c with { Epochs = e };
            if (p.GetValue(Iters) is { } i) c = c with { ItersPerEpoch = i };
            if (p.GetValue(LrG) is { } lg) c = c with { LrG = lg };
            if (p.GetValue(LrS) is { } ls) c = c with { LrS = ls };
            if (p.GetValue(Latent) is { } l) c = c with { LatentDim = l };
            if (p.GetValue(Width) is { } w) c = c with { GeneratorWidth = w };
            if (p.GetValue(Oh) is { } oh) c = c with { Oh = oh };
            if (p.GetValue(Ie) is { } ie) c = c with { Ie = ie };
            if (p.GetValue(A) is { } a) c = c with { A = a };
            if (p.GetValue(Entropy) is { } en) c = c with { Entropy = en };
            if (p.GetValue(Activation) is { } ac) c = c with { Activation = ac };
            if (p.GetValue(Student) is { } s) c = c with { Student = s };
            if (p.GetValue(Seed) is { } seed) c = c with { Seed = seed };
            if (p.GetValue(Milestones) is { } m) c = c with { StudentLrMilestones = m };
            if (p.GetValue(GeneratorMilestones) is { } g) c = c with { GeneratorLrMilestones = g };
            if (p.GetValue(StudentEma) is { } ema) c = c with { StudentEma = ema };
            return c;
        }
    }

    public static Command Create()
    {
        var o = new Overrides();
        var teacher = new Option<string>("--teacher") { Description = "Teacher checkpoint: safetensors with PyTorch keys, or a PyTorch .pt (a state dict or a pickled module, as the official code saves)", Required = true };
        var data = CommonOptions.Data();
        var output = new Option<string>("--out") { Description = "Run folder: checkpoints, config.json, metrics.jsonl", DefaultValueFactory = _ => "runs/distill" };
        var resume = new Option<bool>(ResumeOption) { Description = "Continue the run in --out from its last checkpoint (--epochs, --device and lr milestones still ahead may change)" };
        var noEval = new Option<bool>("--no-eval") { Description = "Skip the per-epoch test-set accuracy (needs no dataset)" };
        var device = CommonOptions.Device();
        var command = new Command("distill", "Distil a student from a teacher without training data (DAFL).") { teacher, data, output, resume, noEval, device };
        foreach (var option in o.All) command.Options.Add(option);
        command.SetAction(p =>
        {
            var config = o.Apply(p) with { Device = CommonOptions.ResolveDevice(p.GetValue(device)!) };
            Run(config, p.GetValue(teacher)!, p.GetValue(data)!, p.GetValue(output)!, p.GetValue(resume), evaluate: !p.GetValue(noEval));
            return 0;
        });
        return command;
    }

    /// <summary>Loads the teacher, distils, saves; shared with the demo.</summary>
    public static RunResult Run(DistillConfig config, string teacherPath, string dataRoot, string runDir, bool resume, bool evaluate = true)
    {
        config.Validate(); // before anything is loaded
        OutputPath.Folder(runDir, "--out");
        var loaded = CommonOptions.Noted(ModelCatalog.LoadTeacher(teacherPath, config));
        using var teacher = loaded.Model;
        // The teacher is what its file holds: config.json and the console name it, not the preset's expectation.
        config = config with { Teacher = loaded.Arch };
        var test = evaluate ? DatasetCatalog.Load(config.Dataset, dataRoot, train: false) : null;
        using var distiller = new DaflDistiller(config, teacher, test, runDir);
        if (resume)
        {
            distiller.Resume(runDir);
            AnsiConsole.MarkupLine($"Resumed [bold]{Markup.Escape(runDir)}[/] after epoch {distiller.Epoch}.");
        }
        AnsiConsole.MarkupLine($"[bold]DAFL[/] {config.Teacher} → {config.Student} on {config.Dataset} (preset {config.Preset}): " +
            $"{config.Epochs}×{config.ItersPerEpoch} iterations, batch {config.BatchSize}, generator width {config.GeneratorWidth}, " +
            $"oh {config.Oh} ie {config.Ie} a {config.A}, losses {config.Entropy}/{config.Activation}, seed {config.Seed}, on {DeviceChoice.NameOf(config.Device)}" +
            (config.StudentEma > 0 ? $", reporting the student's weight average (decay {config.StudentEma})" : ""));
        AnsiConsole.MarkupLine($"[grey]student {distiller.Student.ParameterCount():N0} parameters, generator {distiller.Generator.ParameterCount():N0}[/]");
        var observer = new ConsoleObserver("distill");
        using var log = new MetricsLog(Path.Combine(runDir, "metrics.jsonl"));
        var result = observer.Run(() => distiller.Run(observer, log));
        Summary.Print("Data-free student", result, runDir);
        ReportCommand.AfterRun([runDir], RunReader.DefaultReportPath(runDir),
            test == null ? null : () => EvaluationFile.Write(runDir, Path.GetFullPath(teacherPath), teacher, test, result.BestEpoch));
        return result;
    }
}
