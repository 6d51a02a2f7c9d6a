using DafL.Training;

namespace DafL.Reports;

/// <summary>Which program made a run, and so which files it has.</summary>
public enum RunKind
{
    /// <summary>A <c>dafl distill</c> run folder: config.json, metrics.jsonl, checkpoints, evaluation.json.</summary>
    Distill,
    /// <summary>A <c>dafl teacher</c> checkpoint with its sidecar config and its <c>.metrics.jsonl</c>.</summary>
    Teacher,
    /// <summary>The PyTorch reference's <c>distill.jsonl</c> (tools/reference/dafl_pytorch.py).</summary>
    Reference,
}

/// <summary>One epoch as a run logged it; what a log lacks is null or absent.</summary>
/// <param name="Losses">Mean loss of each term over the epoch's steps, by <see cref="LossTerms"/> key.</param>
/// <param name="LearningRates">Each optimizer's learning rate during the epoch ("student", "generator", or "teacher").</param>
/// <param name="StepMilliseconds">Mean wall time of one training step, in milliseconds.</param>
/// <param name="Seconds">Wall time of the whole epoch (steps and evaluation).</param>
public sealed record EpochPoint(int Epoch, double? TestAccuracy, IReadOnlyDictionary<string, double> Losses,
    IReadOnlyDictionary<string, double> LearningRates, double? StepMilliseconds, double? Seconds);

/// <summary>The test-set score of a run's best student (epoch <paramref name="Epoch"/>), as the run recorded it at its end.</summary>
public sealed record ClassScores(int Epoch, Evaluation Score);

/// <summary>
/// A run read back for the report: what it was (its config, as key and value text), what each epoch logged, and
/// what it recorded at its end. <see cref="Notes"/> says what the run's files lack and so the report leaves out.
/// </summary>
/// <param name="Label">How the report names the run (its folder or file).</param>
/// <param name="Source">The path the run was read from.</param>
/// <param name="TeacherAccuracy">The teacher's test accuracy, for a distillation whose run recorded it.</param>
/// <param name="TeacherPath">The teacher checkpoint the distillation used, when recorded (it labels the samples).</param>
/// <param name="GeneratorPath">The last generator's file, when the run has one.</param>
public sealed record RunRecord(RunKind Kind, string Label, string Source, IReadOnlyList<KeyValuePair<string, string>> Config,
    IReadOnlyList<EpochPoint> Epochs, double? TeacherAccuracy, ClassScores? BestStudent, string? TeacherPath,
    string? GeneratorPath, IReadOnlyList<string> Notes)
{
    /// <summary>The epochs with a test accuracy.</summary>
    public IEnumerable<EpochPoint> Scored => Epochs.Where(e => e.TestAccuracy.HasValue);

    /// <summary>The first epoch with the highest test accuracy (the paper's protocol), or null when none was scored.</summary>
    public EpochPoint? Best => Scored.Aggregate((EpochPoint?)null, (best, e) => best == null || e.TestAccuracy > best.TestAccuracy ? e : best);

    /// <summary>The last scored epoch, or null when none was scored.</summary>
    public EpochPoint? Last => Scored.LastOrDefault();
}
