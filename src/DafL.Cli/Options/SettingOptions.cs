using DafL.Errors;
using DafL.Training;

namespace DafL.Cli.Options;

/// <summary>
/// The one table between the CLI's names and Training's: the option that sets each setting of a config. Training
/// names a setting by its key (<see cref="SettingName"/>: batch_size); a <see cref="SettingException"/> that leaves a
/// command is shown here with the option the user typed instead (<c>--batch</c>), and a setting no option sets keeps its
/// key. One table per config, as each config's settings are set by its own commands (distill and profile set a
/// <see cref="DistillConfig"/>, teacher a <see cref="TeacherConfig"/>): their options are the ones named here, which
/// the tests check against the commands.
/// </summary>
public static class SettingOptions
{
    /// <summary>For each config type, its properties' options.</summary>
    public static readonly IReadOnlyDictionary<Type, IReadOnlyDictionary<string, string>> ByConfig = new Dictionary<Type, IReadOnlyDictionary<string, string>>
    {
        [typeof(DistillConfig)] = Table(
            (nameof(DistillConfig.Preset), "--preset"),
            (nameof(DistillConfig.BatchSize), "--batch"),
            (nameof(DistillConfig.Epochs), "--epochs"),
            (nameof(DistillConfig.ItersPerEpoch), "--iters"),
            (nameof(DistillConfig.LatentDim), "--latent"),
            (nameof(DistillConfig.GeneratorWidth), "--gen-width"),
            (nameof(DistillConfig.LrG), "--lr-g"),
            (nameof(DistillConfig.LrS), "--lr-s"),
            (nameof(DistillConfig.Oh), "--oh"),
            (nameof(DistillConfig.Ie), "--ie"),
            (nameof(DistillConfig.A), "--a"),
            (nameof(DistillConfig.StudentEma), "--student-ema"),
            (nameof(DistillConfig.StudentLrMilestones), "--lr-s-milestones"),
            (nameof(DistillConfig.GeneratorLrMilestones), "--lr-g-milestones"),
            (nameof(DistillConfig.Entropy), "--entropy"),
            (nameof(DistillConfig.Activation), "--activation"),
            (nameof(DistillConfig.Student), "--student"),
            (nameof(DistillConfig.Seed), "--seed"),
            (nameof(DistillConfig.Device), "--device")),
        [typeof(TeacherConfig)] = Table(
            (nameof(TeacherConfig.Dataset), "--dataset"),
            (nameof(TeacherConfig.Epochs), "--epochs"),
            (nameof(TeacherConfig.BatchSize), "--batch"),
            (nameof(TeacherConfig.Lr), "--lr"),
            (nameof(TeacherConfig.Seed), "--seed"),
            (nameof(TeacherConfig.Device), "--device")),
    };

    /// <summary><paramref name="error"/> with each setting named by its option, as the user set it.</summary>
    public static InputException Named(SettingException error) =>
        error.NamedBy(key => ByConfig.TryGetValue(error.Config, out var options) ? options.GetValueOrDefault(key) : null);

    /// <summary>Keyed by the settings' keys, as <see cref="SettingException"/> names them.</summary>
    static IReadOnlyDictionary<string, string> Table(params (string Property, string Option)[] rows) =>
        rows.ToDictionary(r => SettingName.Of(r.Property).Key, r => r.Option);
}
