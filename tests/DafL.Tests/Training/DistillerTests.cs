using DafL.Cli.Options;
using DafL.Errors;
using DafL.IO;
using DafL.Models;
using DafL.Random;
using DafL.Tests.Support;
using DafL.Training;

namespace DafL.Tests.Training;

public class DistillerTests : TempFolderTest
{
    static DistillConfig Tiny(int epochs) => TinyDistillation.Config(epochs);

    static LeNet5 Teacher() => TinyDistillation.Teacher();

    [Test]
    public void AStepProducesFiniteLossesAndMovesOnlyGeneratorAndStudent()
    {
        using var teacher = Teacher();
        var before = teacher.StateDict().Select(e => e.Tensor.ToArray()).ToList();
        using var d = new DaflDistiller(Tiny(1), teacher);
        var studentBefore = d.Student.StateDict()[0].Tensor.ToArray();
        var l = d.Step();
        Assert.That(new[] { l.Total, l.OneHot, l.InformationEntropy, l.Activation, l.Kd }, Is.All.Matches<double>(double.IsFinite));
        Assert.That(l.InformationEntropy, Is.InRange(-1.0, 0.0), "Σ p̄ log10 p̄ lies in [−log10 K, 0]");
        Assert.That(l.Activation, Is.LessThanOrEqualTo(0.0));
        Assert.That(l.Total, Is.EqualTo(l.OneHot + 5 * l.InformationEntropy + 0.1 * l.Activation + l.Kd).Within(1e-4));
        Assert.That(teacher.StateDict().Select(e => e.Tensor.ToArray()), Is.EqualTo(before), "the teacher is frozen");
        Assert.That(teacher.Parameters().All(p => p.Grad == null), Is.True, "no gradient is computed for the teacher");
        Assert.That(d.Student.StateDict()[0].Tensor.ToArray(), Is.Not.EqualTo(studentBefore), "the student learned");
    }

    [Test]
    public void AfterCopyingAnothersTrainingStateTheNextStepIsTheSame()
    {
        using var teacher = Teacher();
        using var leader = new DaflDistiller(Tiny(1) with { StudentEma = 0.9f }, teacher);
        using var follower = new DaflDistiller(Tiny(1) with { StudentEma = 0.9f, Seed = 4 }, teacher); // other weights
        leader.Step();
        leader.Step(); // optimizer state and step counts that a fresh distiller lacks
        follower.CopyTrainingStateFrom(leader);

        using var z = Tensor.Randn([8, 12], new Philox(5));
        Assert.That(follower.Step(z), Is.EqualTo(leader.Step(z)), "the same state and latent batch give the same losses");
        Assert.That(follower.Reported.StateDict().Select(e => e.Tensor.ToArray()), Is.EqualTo(leader.Reported.StateDict().Select(e => e.Tensor.ToArray())),
            "and the same weights after the step, the weight average included");
    }

    [TestCase(0f)]
    [TestCase(0.9f)]
    public void AResumedRunEqualsAnUninterruptedOneBitForBit(float studentEma)
    {
        string straight = Path.Combine(Dir, "straight"), split = Path.Combine(Dir, "split");
        using (var teacher = Teacher())
        using (var d = new DaflDistiller(Tiny(2) with { StudentEma = studentEma }, teacher, runDir: straight))
            d.Run();
        using (var teacher = Teacher())
        using (var d = new DaflDistiller(Tiny(1) with { StudentEma = studentEma }, teacher, runDir: split))
            d.Run();
        using (var teacher = Teacher())
        using (var d = new DaflDistiller(Tiny(2) with { StudentEma = studentEma }, teacher, runDir: split))
        {
            d.Resume(split);
            Assert.That(d.Epoch, Is.EqualTo(1));
            d.Run();
        }
        RunFolderAssert.SameCheckpoints(straight, split);
        Assert.That(Directory.GetFiles(split, "*.tmp-*"), Is.Empty, "no temporary files are left behind");
    }

    [Test]
    public void ResumeMayAddALearningRateDecayAheadAndStillEqualsOneRun()
    {
        string straight = Path.Combine(Dir, "straight"), split = Path.Combine(Dir, "split");
        var decayed = Tiny(2) with { StudentLrMilestones = [1], GeneratorLrMilestones = [1] };
        using (var teacher = Teacher())
        using (var d = new DaflDistiller(decayed, teacher, runDir: straight))
            d.Run();
        using (var teacher = Teacher())
        using (var d = new DaflDistiller(Tiny(1), teacher, runDir: split))
            d.Run();
        using (var teacher = Teacher())
        using (var d = new DaflDistiller(decayed, teacher, runDir: split))
        {
            d.Resume(split);
            d.Run();
        }
        RunFolderAssert.SameCheckpoints(straight, split);
    }

    [Test]
    public void WithAStudentEmaTheAverageIsWhatIsSavedAndTheStudentTrainsAsWithout()
    {
        string run = Path.Combine(Dir, "ema");
        using var teacher = Teacher();
        using var plainTeacher = Teacher();
        using var averaged = new DaflDistiller(Tiny(1) with { StudentEma = 0.9f }, teacher, runDir: run);
        using var plain = new DaflDistiller(Tiny(1), plainTeacher);
        averaged.Run();
        plain.Run();
        Assert.That(Values(averaged.Student), Is.EqualTo(Values(plain.Student)), "the average does not change the training");
        Assert.That(Values(averaged.Reported), Is.Not.EqualTo(Values(averaged.Student)), "the reported student is the average");
        using var saved = SafeTensors.Load(Path.Combine(run, "student.safetensors"));
        Assert.That(averaged.Reported.StateDict().Select(e => saved.Tensors[e.Key].ToArray()), Is.EqualTo(Values(averaged.Reported)));
    }

    static List<float[]> Values(NN.Module m) => m.StateDict().Select(e => e.Tensor.ToArray()).ToList();

    [Test]
    public void AGeneratorMilestoneLowersLrGFromThatEpochOn()
    {
        List<float[]> Run(DistillConfig config, Func<DaflDistiller, NN.Module> part, int epochs)
        {
            using var teacher = Teacher();
            using var d = new DaflDistiller(config with { Epochs = epochs }, teacher);
            d.Run();
            return part(d).StateDict().Select(e => e.Tensor.ToArray()).ToList();
        }
        var plain = Tiny(2);
        var calmed = Tiny(2) with { GeneratorLrMilestones = [1] };
        Assert.That(Run(calmed, d => d.Generator, 1), Is.EqualTo(Run(plain, d => d.Generator, 1)), "epoch 0 runs at the full lr_G");
        Assert.That(Run(calmed, d => d.Generator, 2), Is.Not.EqualTo(Run(plain, d => d.Generator, 2)), "epoch 1 at lr_G × 0.1");
    }

    /// <summary>Runs one epoch of <see cref="Tiny"/>, then resumes it as <paramref name="changed"/>: the refusal, as the CLI shows it.</summary>
    InputException ResumeRefusal(DistillConfig changed)
    {
        string run = Path.Combine(Dir, "run");
        using (var teacher = Teacher())
        using (var d = new DaflDistiller(Tiny(1), teacher, runDir: run))
            d.Run();
        using var t2 = Teacher();
        using var resumed = new DaflDistiller(changed, t2, runDir: run);
        return SettingOptions.Named(Assert.Throws<SettingException>(() => resumed.Resume(run))!);
    }

    [Test]
    public void ResumeRefusesAMilestoneThatWouldHaveActedAlready()
    {
        var e = ResumeRefusal(Tiny(2) with { StudentLrMilestones = [0, 1] });
        Assert.That(e.Problem, Is.EqualTo(new InputProblem(Path.Combine(Dir, "run", "config.json"), "student_lr_milestones", "[0, 1] (this run's)", "[] (the saved run's)")));
        Assert.That(e.Message, Does.EndWith("Only --epochs, --device and the lr milestones from epoch 1 on may change on resume."));
    }

    [Test]
    public void AMilestoneAheadMayChangeOnResumeButNotOneBehind() =>
        Assert.That(ResumeRefusal(Tiny(2) with { StudentLrMilestones = [1], GeneratorLrMilestones = [0] }).Problem.Field, Is.EqualTo("generator_lr_milestones"));

    [Test]
    public void ResumeRefusesAChangedSettingNamingItOnOneLine()
    {
        var e = ResumeRefusal(Tiny(2) with { Ie = 20, Oh = 3 });
        Assert.That(e.Problem, Is.EqualTo(new InputProblem(Path.Combine(Dir, "run", "config.json"), "oh", "3 (this run's)", "1 (the saved run's)")), "the first setting that differs");
        Assert.That(e.Message, Does.Not.Contain("\n"), "one line, no JSON dump");
    }

    [Test]
    public void ResumeRefusesFewerEpochsThanTheRunHasDone()
    {
        string run = Path.Combine(Dir, "run");
        TinyDistillation.Run(Tiny(2), run);
        using var teacher = Teacher();
        using var d = new DaflDistiller(Tiny(1), teacher, runDir: run);
        var e = SettingOptions.Named(Assert.Throws<SettingException>(() => d.Resume(run))!);
        Assert.That(e.Problem.Source, Is.EqualTo("--epochs"));
        Assert.That(e.Problem.Found, Is.EqualTo("1"));
    }

    [Test]
    public void ResumeWithoutStateNamesTheMissingFile()
    {
        using var teacher = Teacher();
        using var d = new DaflDistiller(Tiny(1), teacher);
        var ex = Assert.Throws<InputException>(() => d.Resume(Dir))!;
        Assert.That(ex.Problem.Source, Is.EqualTo(Path.Combine(Dir, "state.safetensors")));
        Assert.That(ex.Problem.Found, Is.EqualTo("no such file"));
    }
}
