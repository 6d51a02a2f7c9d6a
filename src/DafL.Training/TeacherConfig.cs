using System.Text.Json;
using System.Text.Json.Serialization;

namespace DafL.Training;

/// <summary>
/// A teacher-training run (official recipes of <c>teacher-train.py</c>, ../shared/reference/dafl-facts.md §2.8):
/// MNIST-like: LeNet-5, Adam 1e-3, batch 256, 9 epochs. CIFAR: ResNet-34, SGD 0.1 momentum 0.9 wd 5e-4,
/// batch 128, 199 epochs, lr ×0.1 at epochs 80 and 120, random crop + flip.
/// </summary>
public sealed record TeacherConfig
{
    public string Dataset { get; init; } = "mnist";
    public string Arch { get; init; } = "lenet5";
    public int Epochs { get; init; } = 9;
    public int BatchSize { get; init; } = 256;
    public string Optimizer { get; init; } = "adam";
    public float Lr { get; init; } = 1e-3f;
    public float Momentum { get; init; } = 0.9f;
    public float WeightDecay { get; init; }
    public int[] LrMilestones { get; init; } = [];
    public bool Augment { get; init; }
    public ulong Seed { get; init; } = 1;
    [JsonConverter(typeof(DeviceJsonConverter))] public Device Device { get; init; } = Device.Cpu;

    public static TeacherConfig Official(string dataset) => dataset switch
    {
        "mnist" or "fashion-mnist" => new TeacherConfig { Dataset = dataset },
        "cifar10" or "cifar100" => new TeacherConfig
        {
            Dataset = dataset, Arch = "resnet34", Epochs = 199, BatchSize = 128, Optimizer = "sgd", Lr = 0.1f,
            WeightDecay = 5e-4f, LrMilestones = [80, 120], Augment = true,
        },
        _ => throw new ArgumentException($"Unknown dataset '{dataset}'; expected one of: {string.Join(", ", DatasetCatalog.Names)}."),
    };

    /// <summary>
    /// Checks every setting before training starts, in <see cref="SettingRanges"/>' ranges: a problem is named by its
    /// key (with <paramref name="file"/>, as that file's). Throws <see cref="Errors.InputException"/> listing every
    /// problem (a <see cref="SettingException"/> without a file).
    /// </summary>
    public TeacherConfig Validate(string? file = null)
    {
        new SettingChecks(typeof(TeacherConfig), $"teacher settings ({Dataset})", file)
            .OneOf(DatasetCatalog.Names, Dataset, nameof(Dataset))
            .InRange(SettingRanges.TeacherEpochs, Epochs, nameof(Epochs))
            .InRange(SettingRanges.TeacherBatch, BatchSize, nameof(BatchSize))
            .InRange(SettingRanges.LearningRate, Lr, nameof(Lr))
            .OneOf(ModelCatalog.Architectures, Arch, nameof(Arch))
            .OneOf(["adam", "sgd"], Optimizer, nameof(Optimizer))
            .InRange(SettingRanges.Momentum, Momentum, nameof(Momentum))
            .InRange(SettingRanges.WeightDecay, WeightDecay, nameof(WeightDecay))
            .EachInRange(SettingRanges.Milestone, LrMilestones, nameof(LrMilestones))
            .ThrowIfAny();
        return this;
    }

    public string ToJson() => JsonSerializer.Serialize(this, DistillConfig.Json);
}
