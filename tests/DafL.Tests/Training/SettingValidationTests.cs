using System.Text.Json;
using DafL.Cli.Options;
using DafL.Errors;
using DafL.Training;

namespace DafL.Tests.Training;

public class DistillSettingValidationTests
{
    [TestCaseSource(typeof(DistillPresets), nameof(DistillPresets.Names))]
    public void EveryPresetIsValid(string preset) => Assert.DoesNotThrow(() => DistillPresets.Get(preset).Validate());

    /// <summary>The refusal as the user reads it: the CLI names each setting by the option that sets it.</summary>
    static string Refusal(DistillConfig config) => SettingOptions.Named(Assert.Throws<SettingException>(() => config.Validate())!).Message;

    static readonly DistillConfig Quick = DistillPresets.Get("mnist-quick");

    [Test]
    public void ABadValueIsNamedByItsOptionWithWhatWasExpected()
    {
        Assert.That(Refusal(Quick with { BatchSize = 1 }), Does.StartWith("--batch: expected a whole number from 2 to 65536, found 1"));
        Assert.That(Refusal(Quick with { GeneratorWidth = 15 }), Does.StartWith("--gen-width: expected an even whole number from 2 to 4096, found 15"));
        Assert.That(Refusal(Quick with { LrG = 0 }), Does.StartWith("--lr-g: expected a learning rate, a number in (0, 10], found 0"));
        Assert.That(Refusal(Quick with { LrG = 1e30f }), Does.StartWith("--lr-g: expected a learning rate, a number in (0, 10], found 1E+30"));
        Assert.That(Refusal(Quick with { LrS = float.NaN }), Does.StartWith("--lr-s: expected a learning rate, a number in (0, 10], found NaN"));
        Assert.That(Refusal(Quick with { Ie = -1 }), Does.StartWith("--ie: expected a weight, a number in [0, 1000000], found -1"));
        Assert.That(Refusal(Quick with { StudentEma = 1 }), Does.StartWith("--student-ema: expected a decay, a number in [0, 1), found 1"));
        Assert.That(Refusal(Quick with { GeneratorLrMilestones = [10, -1] }), Does.StartWith("--lr-g-milestones: expected values, each a whole number from 0 to 1000000, found 10 -1"));
        Assert.That(Refusal(Quick with { Student = "vgg" }), Does.StartWith("--student: expected one of lenet5"));
        Assert.That(Refusal(Quick with { ItersPerEpoch = 0 }), Does.StartWith("--iters: expected a whole number from 1 to 1000000, found 0"));
        Assert.That(Refusal(Quick with { Entropy = (LossVariant)7 }), Does.StartWith("--entropy: expected one of Official, Paper, found 7"));
    }

    /// <summary>Training names a setting by its key; only the CLI knows its option (<see cref="SettingOptions"/>).</summary>
    [Test]
    public void TrainingNamesEverySettingByItsKey()
    {
        var ex = Assert.Throws<SettingException>(() => (Quick with { BatchSize = 1, LrG = 0, StudentMomentum = 1 }).Validate())!;
        Assert.That(ex.Config, Is.EqualTo(typeof(DistillConfig)));
        Assert.That(ex.Problems.Select(p => p.ToString()), Is.EqualTo(new[]
        {
            "batch_size: expected a whole number from 2 to 65536, found 1",
            "lr_g: expected a learning rate, a number in (0, 10], found 0",
            "student_momentum: expected a momentum, a number in [0, 1), found 1",
        }));
    }

    [Test]
    public void SettingsWithoutAnOptionAreNamedByTheirKey()
    {
        Assert.That(Refusal(Quick with { StudentMomentum = 1 }), Does.StartWith("student_momentum: expected a momentum, a number in [0, 1), found 1"));
        Assert.That(Refusal(Quick with { ImageSize = 30 }), Does.StartWith("image_size: expected a multiple of 4 from 4 to 256, found 30"));
        Assert.That(Refusal(Quick with { NumClasses = 11 }), Does.StartWith("num_classes: expected 10, the classes of mnist, found 11"));
        Assert.That(Refusal(Quick with { Channels = 3 }), Does.StartWith("channels: expected 1, the channels of mnist, found 3"));
        Assert.That(Refusal(Quick with { Preset = "mine" }), Does.StartWith("--preset: expected one of mnist,"));
    }

    /// <summary>Each factor is in range; their product would make a tensor larger than an int can index, or a step count larger than an int.</summary>
    [Test]
    public void ProductsAreCheckedWithoutOverflow()
    {
        Assert.That(Refusal(Quick with { BatchSize = 65536, GeneratorWidth = 4096 }), Does.StartWith("--batch: expected at most 511 images per batch for generator width 4096 at 32×32"));
        Assert.That(Refusal(Quick with { Epochs = 1_000_000, ItersPerEpoch = 1_000_000 }), Does.StartWith("--iters: expected at most 2147 iterations per epoch for 1000000 epochs"));
        Assert.That(Refusal(Quick with { BatchSize = 2, GeneratorWidth = 4096, LatentDim = 65536 }), Does.StartWith("--latent: expected at most 8191"));
        Assert.DoesNotThrow(() => (Quick with { Epochs = 1_000_000, ItersPerEpoch = 2147 }).Validate());
        Assert.DoesNotThrow(() => (Quick with { BatchSize = 16383, GeneratorWidth = 128 }).Validate());
    }

    [Test]
    public void EveryProblemIsListedAtOnce()
    {
        var message = Refusal(Quick with { BatchSize = 0, LatentDim = 0, A = float.PositiveInfinity });
        Assert.That(message, Does.Contain("preset mnist-quick").And.Contain("--batch").And.Contain("--latent").And.Contain("--a:"));
    }

    [Test]
    public void WithAFileEachProblemIsNamedByTheFileAndItsJsonKey()
    {
        var ex = Assert.Throws<InputException>(() => (Quick with { BatchSize = 1, LrG = 1e30f, GeneratorLrMilestones = [-1], StudentMomentum = 2 }).Validate("run/config.json"))!;
        Assert.That(ex.Problems.Select(p => p.ToString()), Is.EqualTo(new[]
        {
            "run/config.json: batch_size: expected a whole number from 2 to 65536, found 1",
            "run/config.json: lr_g: expected a learning rate, a number in (0, 10], found 1E+30",
            "run/config.json: student_momentum: expected a momentum, a number in [0, 1), found 2",
            "run/config.json: generator_lr_milestones: expected values, each a whole number from 0 to 1000000, found -1",
        }));
    }

    /// <summary>A config read from JSON may hold nulls where the types allow none: each is a problem, not a crash.</summary>
    [Test]
    public void NullsFromAFileAreProblems()
    {
        var ex = Assert.Throws<InputException>(() => (Quick with { Student = null!, StudentLrMilestones = null! }).Validate("config.json"))!;
        Assert.That(ex.Problems.Select(p => p.ToString()), Is.EqualTo(new[]
        {
            "config.json: student_lr_milestones: expected values, each a whole number from 0 to 1000000, found null",
            "config.json: student: expected one of lenet5, lenet5-half, resnet18, resnet34, found null",
        }));
    }

    /// <summary>The key a problem names is one config.json has: the reader of the message finds it in the file.</summary>
    [Test]
    public void EveryKeyNamedIsAKeyOfTheWrittenConfig()
    {
        var bad = Quick with
        {
            Preset = "x", Dataset = "y", Teacher = "t", Student = "s", ImageSize = 3, BatchSize = 0, Epochs = -1, ItersPerEpoch = 0,
            LatentDim = 0, GeneratorWidth = 1, LrG = -1, LrS = -1, StudentOptimizer = "o", StudentMomentum = -1, StudentWeightDecay = -1,
            StudentLrMilestones = [-1], GeneratorLrMilestones = [-1], StudentEma = -1, Oh = -1, Ie = -1, A = -1,
            Entropy = (LossVariant)9, Activation = (LossVariant)9,
        };
        var keys = JsonDocument.Parse(bad.ToJson()).RootElement.EnumerateObject().Select(p => p.Name).ToHashSet();
        var problems = Assert.Throws<InputException>(() => bad.Validate("config.json"))!.Problems;
        Assert.That(problems, Has.Count.EqualTo(23));
        Assert.That(problems.Select(p => p.Field), Is.All.Matches<string>(keys.Contains));
        Assert.That(problems.Select(p => p.Source), Is.All.EqualTo("config.json"));
    }
}

public class TeacherSettingValidationTests
{
    [TestCaseSource(typeof(DatasetCatalog), nameof(DatasetCatalog.Names))]
    public void EveryOfficialRecipeIsValid(string dataset) => Assert.DoesNotThrow(() => TeacherConfig.Official(dataset).Validate());

    [Test]
    public void BadValuesAreNamedByTheirOptionsAllAtOnce()
    {
        var ex = SettingOptions.Named(Assert.Throws<SettingException>(() => (TeacherConfig.Official("mnist") with { BatchSize = 1, Lr = -1e-3f, Epochs = -2 }).Validate())!);
        Assert.That(ex!.Message, Does.StartWith("--epochs: expected a whole number from 0 to 10000, found -2")
            .And.Contain("--batch: expected a whole number from 2 to 16384, found 1").And.Contain("teacher settings (mnist)")
            .And.Contain("--lr: expected a learning rate, a number in (0, 10], found -0.001"));
    }

    [Test]
    public void WithAFileEachProblemIsNamedByTheFileAndItsJsonKey()
    {
        var bad = TeacherConfig.Official("cifar10") with { Lr = float.PositiveInfinity, WeightDecay = 2, LrMilestones = [80, -120], Arch = "vgg" };
        var ex = Assert.Throws<InputException>(() => bad.Validate("teacher.json"))!;
        Assert.That(ex.Problems.Select(p => p.ToString()), Is.EqualTo(new[]
        {
            "teacher.json: lr: expected a learning rate, a number in (0, 10], found Infinity",
            "teacher.json: arch: expected one of lenet5, lenet5-half, resnet18, resnet34, found vgg",
            "teacher.json: weight_decay: expected a weight decay, a number in [0, 1], found 2",
            "teacher.json: lr_milestones: expected values, each a whole number from 0 to 1000000, found 80 -120",
        }));
        var keys = JsonDocument.Parse(TeacherConfig.Official("cifar10").ToJson()).RootElement.EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.That(ex.Problems.Select(p => p.Field), Is.All.Matches<string>(keys.Contains));
    }
}
