using DafL.Errors;
using DafL.Training;

namespace DafL.Tests.Training;

public class DistillConfigTests
{
    [TestCaseSource(typeof(DistillPresets), nameof(DistillPresets.Names))]
    public void EveryPresetIsValid(string preset) => Assert.DoesNotThrow(() => DistillPresets.Get(preset).Validate());

    static string Refusal(DistillConfig config) => Assert.Throws<InputException>(() => config.Validate())!.Message;

    static readonly DistillConfig Quick = DistillPresets.Get("mnist-quick");

    [Test]
    public void ABadValueIsNamedByItsOptionWithWhatWasExpected()
    {
        Assert.That(Refusal(Quick with { BatchSize = 1 }), Does.Contain("--batch: expected at least 2").And.Contain("found 1"));
        Assert.That(Refusal(Quick with { GeneratorWidth = 15 }), Does.Contain("--gen-width: expected an even number"));
        Assert.That(Refusal(Quick with { LrG = 0 }), Does.Contain("--lr-g"));
        Assert.That(Refusal(Quick with { LrS = float.NaN }), Does.Contain("--lr-s"));
        Assert.That(Refusal(Quick with { Ie = -1 }), Does.Contain("--ie: expected a weight ≥ 0"));
        Assert.That(Refusal(Quick with { StudentEma = 1 }), Does.Contain("--student-ema: expected a decay in [0, 1)"));
        Assert.That(Refusal(Quick with { GeneratorLrMilestones = [10, -1] }), Does.Contain("--lr-g-milestones").And.Contain("found 10 -1"));
        Assert.That(Refusal(Quick with { Student = "vgg" }), Does.Contain("--student: expected one of lenet5"));
        Assert.That(Refusal(Quick with { ItersPerEpoch = 0 }), Does.Contain("--iters"));
    }

    [Test]
    public void EveryProblemIsListedAtOnce()
    {
        var message = Refusal(Quick with { BatchSize = 0, LatentDim = 0, A = float.PositiveInfinity });
        Assert.That(message, Does.Contain("preset mnist-quick").And.Contain("--batch").And.Contain("--latent").And.Contain("--a:"));
    }
}

public class TeacherConfigTests
{
    [TestCaseSource(typeof(DatasetCatalog), nameof(DatasetCatalog.Names))]
    public void EveryOfficialRecipeIsValid(string dataset) => Assert.DoesNotThrow(() => TeacherConfig.Official(dataset).Validate());

    [Test]
    public void BadValuesAreNamedByTheirOptionsAllAtOnce()
    {
        var ex = Assert.Throws<InputException>(() => (TeacherConfig.Official("mnist") with { BatchSize = 1, Lr = -1e-3f, Epochs = -2 }).Validate());
        Assert.That(ex!.Message, Does.StartWith("--epochs: expected a count ≥ 0, found -2").And.Contain("--batch: expected at least 2").And.Contain("teacher settings (mnist)")
            .And.Contain("--lr: expected a learning rate > 0, found -0.001"));
    }
}
