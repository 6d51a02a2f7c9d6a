using System.Text.Json;
using System.Text.Json.Serialization;
using DafL.Errors;
using DafL.IO;
using DafL.Ops;

namespace DafL.Training;

/// <summary>
/// Every setting of a DAFL run. Saved as JSON next to each checkpoint, so a result can always be traced to the
/// exact losses and hyperparameters that made it (the official code's losses changed between versions; see
/// ../shared/reference/dafl-facts.md §2.2).
/// </summary>
public sealed record DistillConfig
{
    public string Preset { get; init; } = "mnist";
    public string Dataset { get; init; } = "mnist";
    public string Teacher { get; init; } = "lenet5";
    public string Student { get; init; } = "lenet5-half";
    public int NumClasses { get; init; } = 10;
    public int Channels { get; init; } = 1;
    public int ImageSize { get; init; } = 32;

    public int BatchSize { get; init; } = 512;
    public int Epochs { get; init; } = 200;
    /// <summary>The official code hard-codes 120 iterations per epoch.</summary>
    public int ItersPerEpoch { get; init; } = 120;
    public int LatentDim { get; init; } = 100;
    /// <summary>Channels of the generator's first conv block (128 in the official code; the second block has half).</summary>
    public int GeneratorWidth { get; init; } = 128;

    public float LrG { get; init; } = 0.2f;
    public float LrS { get; init; } = 2e-3f;
    /// <summary>"adam" (MNIST) or "sgd" (CIFAR: momentum 0.9, weight decay 5e-4).</summary>
    public string StudentOptimizer { get; init; } = "adam";
    public float StudentMomentum { get; init; } = 0.9f;
    public float StudentWeightDecay { get; init; } = 5e-4f;
    /// <summary>Epochs at which the student's lr is multiplied by 0.1 (CIFAR: 800, 1600).</summary>
    public int[] StudentLrMilestones { get; init; } = [];
    /// <summary>
    /// Epochs at which the generator's lr is multiplied by 0.1. The official code has none; ours lets a long run
    /// calm the generator (lr_G 0.2 keeps it drifting, and now and then collapsing, long after the student has learned).
    /// </summary>
    public int[] GeneratorLrMilestones { get; init; } = [];
    /// <summary>
    /// Decay per step of an exponential moving average of the student's weights (0: none, as in the official code).
    /// When set, the average is the student that is evaluated, reported and saved; the raw student keeps training
    /// and its accuracy is logged beside it. Ours: the generator keeps moving, and the average smooths the student
    /// over the generator's recent distributions instead of following the last one (measured on MNIST: smoother,
    /// but never above the student's best epoch; docs/RESULTS.md).
    /// </summary>
    public float StudentEma { get; init; }

    /// <summary>Weight of the one-hot loss L_oh.</summary>
    public float Oh { get; init; } = 1f;
    /// <summary>Weight of the information-entropy loss L_ie.</summary>
    public float Ie { get; init; } = 5f;
    /// <summary>Weight of the activation loss L_a.</summary>
    public float A { get; init; } = 0.1f;
    [JsonConverter(typeof(JsonStringEnumConverter))] public LossVariant Entropy { get; init; } = LossVariant.Official;
    [JsonConverter(typeof(JsonStringEnumConverter))] public LossVariant Activation { get; init; } = LossVariant.Official;

    public ulong Seed { get; init; } = 1;
    /// <summary>Where the run computes. Not a setting of the method: a run may be resumed on another device.</summary>
    [JsonConverter(typeof(DeviceJsonConverter))] public Device Device { get; init; } = Device.Cpu;
    /// <summary>
    /// Names one run: made at random when a run starts fresh (<see cref="RunIds.New"/>), kept by every resume, and
    /// written into each state file, so that a state from another run of the same shapes is refused. Empty until a
    /// distiller gives it one.
    /// </summary>
    public string RunId { get; init; } = "";

    /// <summary>
    /// Checks every setting before a run starts, so that a bad value is named by its key (with
    /// <paramref name="file"/>, as that file's) instead of failing deep inside a layer. The ranges are
    /// <see cref="SettingRanges"/>'s; the products that size a tensor or the step count are checked once their factors
    /// are in range, so they cannot overflow. Returns this config; throws <see cref="Errors.InputException"/> listing
    /// every problem (a <see cref="SettingException"/> without a file).
    /// </summary>
    public DistillConfig Validate(string? file = null)
    {
        var checks = new SettingChecks(typeof(DistillConfig), $"DAFL settings (preset {Preset})", file)
            .OneOf(DistillPresets.Names, Preset, nameof(Preset))
            .InRange(SettingRanges.Batch, BatchSize, nameof(BatchSize))
            .InRange(SettingRanges.Epochs, Epochs, nameof(Epochs))
            .InRange(SettingRanges.Iterations, ItersPerEpoch, nameof(ItersPerEpoch))
            .InRange(SettingRanges.Latent, LatentDim, nameof(LatentDim))
            .InRange(SettingRanges.GeneratorWidth, GeneratorWidth, nameof(GeneratorWidth))
            .InRange(SettingRanges.ImageSize, ImageSize, nameof(ImageSize))
            .InRange(SettingRanges.LearningRate, LrG, nameof(LrG))
            .InRange(SettingRanges.LearningRate, LrS, nameof(LrS))
            .InRange(SettingRanges.LossWeight, Oh, nameof(Oh))
            .InRange(SettingRanges.LossWeight, Ie, nameof(Ie))
            .InRange(SettingRanges.LossWeight, A, nameof(A))
            .InRange(SettingRanges.AverageDecay, StudentEma, nameof(StudentEma))
            .InRange(SettingRanges.Momentum, StudentMomentum, nameof(StudentMomentum))
            .InRange(SettingRanges.WeightDecay, StudentWeightDecay, nameof(StudentWeightDecay))
            .EachInRange(SettingRanges.Milestone, StudentLrMilestones, nameof(StudentLrMilestones))
            .EachInRange(SettingRanges.Milestone, GeneratorLrMilestones, nameof(GeneratorLrMilestones))
            .Require(Enum.IsDefined(Entropy), nameof(Entropy), Variants, Entropy)
            .Require(Enum.IsDefined(Activation), nameof(Activation), Variants, Activation)
            .OneOf(ModelCatalog.Architectures, Student, nameof(Student))
            .OneOf(ModelCatalog.Architectures, Teacher, nameof(Teacher))
            .OneOf(["adam", "sgd"], StudentOptimizer, nameof(StudentOptimizer))
            .OneOf(DatasetCatalog.Names, Dataset, nameof(Dataset));
        if (DatasetCatalog.Names.Contains(Dataset))
        {
            checks.Require(NumClasses == DatasetCatalog.Classes(Dataset), nameof(NumClasses), $"{DatasetCatalog.Classes(Dataset)}, the classes of {Dataset}", NumClasses)
                .Require(Channels == DatasetCatalog.Channels(Dataset), nameof(Channels), $"{DatasetCatalog.Channels(Dataset)}, the channels of {Dataset}", Channels);
        }
        if (SettingRanges.Epochs.Contains(Epochs) && SettingRanges.Iterations.Contains(ItersPerEpoch))
        {
            long most = SettingRanges.MostIterationsPerEpoch(Epochs);
            checks.Require(ItersPerEpoch <= most, nameof(ItersPerEpoch),
                $"at most {most} iterations per epoch for {Epochs} epochs (epochs × iterations is a step count, at most {SettingRanges.StepCount})", ItersPerEpoch);
        }
        bool generatorOk = SettingRanges.GeneratorWidth.Contains(GeneratorWidth) && SettingRanges.ImageSize.Contains(ImageSize);
        if (generatorOk && SettingRanges.Batch.Contains(BatchSize))
        {
            long most = SettingRanges.MostImagesPerBatch(GeneratorWidth, ImageSize);
            checks.Require(BatchSize <= most, nameof(BatchSize), $"at most {most} images per batch for generator width {GeneratorWidth} at {ImageSize}×{ImageSize} " +
                $"(batch × max(width, {SettingRanges.WidestModelChannels}) × {ImageSize}² values make one tensor, at most {SettingRanges.TensorElements})", BatchSize);
            if (SettingRanges.Latent.Contains(LatentDim))
            {
                long mostLatent = SettingRanges.MostLatent(BatchSize, GeneratorWidth, ImageSize);
                checks.Require(LatentDim <= mostLatent, nameof(LatentDim), $"at most {mostLatent} for batch {BatchSize} and generator width {GeneratorWidth} at {ImageSize}×{ImageSize} " +
                    $"(batch × latent and latent × width × ({ImageSize}/4)² values make one tensor each, at most {SettingRanges.TensorElements})", LatentDim);
            }
        }
        checks.ThrowIfAny();
        return this;
    }

    static readonly string Variants = $"one of {string.Join(", ", Enum.GetNames<LossVariant>())}";

    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The largest config file read: a run's config is about 1 kB.</summary>
    public const long MaxFileBytes = 1 << 20;

    /// <summary>Reads the config file at <paramref name="path"/> (a run folder's config.json) with <see cref="FromJson"/>.</summary>
    public static DistillConfig Load(string path)
    {
        long length = InputFile.Check(path, "run config");
        if (length > MaxFileBytes) throw new InputException(path, "", $"a run config of at most {MaxFileBytes} bytes", $"{length} bytes");
        return FromJson(File.ReadAllText(path), path);
    }

    /// <summary>
    /// Reads a config as <see cref="ToJson"/> writes it, strictly: every key present with its type, no other key, then
    /// the settings checks. Errors are <see cref="InputException"/>s naming <paramref name="source"/> and the key.
    /// </summary>
    public static DistillConfig FromJson(string json, string source)
    {
        using var o = StrictJsonObject.Parse(json, source);
        var config = new DistillConfig
        {
            Preset = o.String("preset"),
            Dataset = o.String("dataset"),
            Teacher = o.String("teacher"),
            Student = o.String("student"),
            NumClasses = o.Int("num_classes"),
            Channels = o.Int("channels"),
            ImageSize = o.Int("image_size"),
            BatchSize = o.Int("batch_size"),
            Epochs = o.Int("epochs"),
            ItersPerEpoch = o.Int("iters_per_epoch"),
            LatentDim = o.Int("latent_dim"),
            GeneratorWidth = o.Int("generator_width"),
            LrG = o.Float("lr_g"),
            LrS = o.Float("lr_s"),
            StudentOptimizer = o.String("student_optimizer"),
            StudentMomentum = o.Float("student_momentum"),
            StudentWeightDecay = o.Float("student_weight_decay"),
            StudentLrMilestones = o.Ints("student_lr_milestones"),
            GeneratorLrMilestones = o.Ints("generator_lr_milestones"),
            StudentEma = o.Float("student_ema"),
            Oh = o.Float("oh"),
            Ie = o.Float("ie"),
            A = o.Float("a"),
            Entropy = o.Enum<LossVariant>("entropy"),
            Activation = o.Enum<LossVariant>("activation"),
            Seed = o.ULong("seed"),
            Device = o.String("device", DeviceChoice.Described, DeviceChoice.Named),
            RunId = o.String("run_id", RunIds.Described, RunIds.IsWellFormed),
        };
        o.ThrowIfUnread();
        // A bad value is named by this file and its JSON key, not as a setting the caller gave.
        return config.Validate(source);
    }
}

/// <summary>Which definition of a DAFL loss term to use.</summary>
public enum LossVariant
{
    /// <summary>The official code's (log10 without 1/k; mean of |f|): what produced the published numbers.</summary>
    Official,
    /// <summary>The paper's equations (natural log with 1/k; per-sample L1 norm averaged over the batch).</summary>
    Paper,
}
