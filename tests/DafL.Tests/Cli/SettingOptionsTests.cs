using System.CommandLine;
using DafL.Cli.Commands;
using DafL.Cli.Options;
using DafL.Errors;
using DafL.Training;

namespace DafL.Tests.Cli;

/// <summary>The CLI's one table of settings and options names the options its commands have, and renames Training's errors with it.</summary>
public class SettingOptionsTests
{
    static string[] OptionsOf(Command command) => [.. command.Options.Select(o => o.Name)];

    /// <summary>Every option of a command that sets a setting is in the table, and every option in the table is the command's.</summary>
    [TestCase(typeof(DistillConfig), "distill", new[] { "--teacher", "--data", "--out", "--resume", "--no-eval" })]
    [TestCase(typeof(TeacherConfig), "teacher", new[] { "--data", "--out" })]
    public void TheTableNamesTheOptionsOfTheCommandThatSetsTheConfig(Type config, string name, string[] notSettings)
    {
        var command = name == "distill" ? DistillCommand.Create() : TeacherCommand.Create();
        Assert.That(SettingOptions.ByConfig[config].Values, Is.EquivalentTo(OptionsOf(command).Except(notSettings)));
    }

    /// <summary>The profile command sets some of a DAFL run's settings: by the same options as distill.</summary>
    [Test]
    public void ProfileSetsItsSettingsByTheTablesOptions() =>
        Assert.That(SettingOptions.ByConfig[typeof(DistillConfig)].Values, Is.SupersetOf(OptionsOf(ProfileCommand.Create()).Except(["--teacher", "--warmup", "--steps", "--top", "--json"])));

    /// <summary>Problems naming a setting and the settings in the hint are renamed; a file's problem and a setting without an option keep their names.</summary>
    [Test]
    public void ASettingErrorIsNamedByTheOptions()
    {
        FormattableString hint = $"change {SettingName.Of(nameof(DistillConfig.Epochs))} or {SettingName.Of(nameof(DistillConfig.ImageSize))}, not {3}";
        var error = new SettingException(typeof(DistillConfig),
        [
            new InputProblem("batch_size", "", "2 or more", "1"),
            new InputProblem("image_size", "", "a multiple of 4", "30"),
            new InputProblem("run/config.json", "epochs", "2", "1"),
        ], hint);
        Assert.That(error.Message, Is.EqualTo("batch_size: expected 2 or more, found 1; image_size: expected a multiple of 4, found 30; " +
            "run/config.json: epochs: expected 2, found 1. change epochs or image_size, not 3"));
        var named = SettingOptions.Named(error);
        Assert.That(named.Message, Is.EqualTo("--batch: expected 2 or more, found 1; image_size: expected a multiple of 4, found 30; " +
            "run/config.json: epochs: expected 2, found 1. change --epochs or image_size, not 3"));
        Assert.That(named.InnerException, Is.SameAs(error));
    }
}
