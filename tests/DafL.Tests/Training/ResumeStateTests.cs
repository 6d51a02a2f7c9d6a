using DafL.Errors;
using DafL.IO;
using DafL.Tests.Support;
using DafL.Training;

namespace DafL.Tests.Training;

/// <summary>
/// Resume cannot be fooled: a state whose bookkeeping is out of range or inconsistent, that is another run's, or
/// that lacks optimizer state is refused, naming state.safetensors and the key.
/// </summary>
public class ResumeStateTests : LeakCheckedTest
{
    string _dir = "", _run = "", _state = "";

    static DistillConfig Tiny(int epochs) => TinyDistillation.Config(epochs);

    [SetUp]
    public void RunTwoEpochs()
    {
        _dir = Directory.CreateTempSubdirectory("dafl-resume-").FullName;
        _run = Path.Combine(_dir, "run");
        _state = Path.Combine(_run, DaflDistiller.StateFile);
        TinyDistillation.Run(Tiny(2), _run);
    }

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    /// <summary>Rewrites the state with its metadata and tensors changed.</summary>
    void Rewrite(Action<Dictionary<string, string>> metadata, Func<string, bool>? keepTensor = null, string? extraTensor = null)
    {
        Dictionary<string, string> meta;
        List<(string, Tensor)> tensors;
        using (var file = SafeTensors.Load(_state))
        {
            meta = new Dictionary<string, string>(file.Metadata);
            tensors = file.Names.Where(keepTensor ?? (_ => true)).Select(n => (n, file.Tensors[n].Clone())).ToList();
        }
        if (extraTensor != null) tensors.Add((extraTensor, Tensor.Zeros([1])));
        metadata(meta);
        try
        {
            SafeTensors.Save(_state, tensors, meta);
        }
        finally
        {
            foreach (var (_, t) in tensors) t.Dispose();
        }
    }

    InputProblem Refusal(int epochs = 3)
    {
        using var teacher = TinyDistillation.Teacher();
        using var d = new DaflDistiller(Tiny(epochs), teacher, runDir: _run);
        var e = Assert.Throws<InputException>(() => d.Resume(_run))!;
        Assert.That(e.Problems, Has.Count.EqualTo(1));
        return e.Problem;
    }

    [TestCase("epoch", "1000")]
    [TestCase("epoch", "3")]
    [TestCase("epoch", "-1")]
    [TestCase("epoch", "two")]
    [TestCase("epoch", "99999999999999999999")]
    [TestCase("epoch", " 2")]
    [TestCase("opt_g_steps", "3")]
    [TestCase("opt_s_steps", "5")]
    [TestCase("opt_s_steps", "4.0")]
    [TestCase("best_epoch", "3")]
    [TestCase("best_accuracy", "0.5")]
    [TestCase("best_accuracy", "NaN")]
    [TestCase("best_accuracy", "-0")]
    [TestCase("noise_offset", "49")]
    [TestCase("noise_offset", "18446744073709551616")]
    public void ABadValueIsNamedWithWhatWasExpected(string key, string value)
    {
        Rewrite(m => m[key] = value);
        var problem = Refusal();
        Assert.That((problem.Source, problem.Field, problem.Found), Is.EqualTo((_state, key, value)));
    }

    [Test]
    public void TheExpectedValuesFollowFromTheEpoch()
    {
        Rewrite(m => m["opt_g_steps"] = "3");
        Assert.That(Refusal().Expected, Is.EqualTo("4 (2 epochs × 2 iterations)"));
        Rewrite(m => (m["opt_g_steps"], m["noise_offset"]) = ("4", "1"));
        Assert.That(Refusal().Expected, Does.StartWith("96 ")); // 4 draws of 8 × 12 normals, 4 to a Philox counter
    }

    [Test]
    public void TheNoiseOffsetIsComputedNotTrusted()
    {
        using var state = SafeTensors.Load(_state);
        Assert.That(state.Metadata["noise_offset"], Is.EqualTo(RunState.NoiseOffsetAfter(2, Tiny(2)).ToString()));
        Assert.That(RunState.NoiseOffsetAfter(2, Tiny(2) with { BatchSize = 3, LatentDim = 3 }), Is.EqualTo((UInt128)(2 * 2 * 3)), "9 normals take 3 counters");
    }

    [Test]
    public void ABestAccuracyMustBeInRangeAndMatchItsEpoch()
    {
        Rewrite(m => (m["best_epoch"], m["best_accuracy"]) = ("1", "1.5"));
        Assert.That(Refusal().Field, Is.EqualTo("best_accuracy"));
        Rewrite(m => (m["best_epoch"], m["best_accuracy"]) = ("1", "0"));
        Assert.That(Refusal().Field, Is.EqualTo("best_accuracy"));
        Rewrite(m => (m["best_epoch"], m["best_accuracy"]) = ("2", "0.75"));
        using var teacher = TinyDistillation.Teacher();
        using var d = new DaflDistiller(Tiny(2), teacher, runDir: _run);
        d.Resume(_run);
        Assert.That((d.BestEpoch, d.BestAccuracy), Is.EqualTo((2, 0.75)), "a consistent best is taken");
    }

    [TestCase("epoch")]
    [TestCase("run_id")]
    [TestCase("noise_offset")]
    public void AMissingKeyIsNamed(string key)
    {
        Rewrite(m => m.Remove(key));
        Assert.That(Refusal(), Is.EqualTo(new InputProblem(_state, key, "a value in the metadata", "no such key")));
    }

    [Test]
    public void AStateFromAnotherRunIsRefused()
    {
        string runId = DistillConfig.Load(Path.Combine(_run, DaflDistiller.ConfigFile)).RunId;
        Rewrite(m => m["run_id"] = "00000000000000ff");
        Assert.That(Refusal(), Is.EqualTo(new InputProblem(_state, "run_id", runId, "00000000000000ff (a state from another run)")));
    }

    [Test]
    public void AnotherRunWithTheSameSettingsIsAnotherRun()
    {
        string other = Path.Combine(_dir, "other");
        TinyDistillation.Run(Tiny(2), other);
        File.Copy(Path.Combine(other, DaflDistiller.StateFile), _state, overwrite: true);
        Assert.That(Refusal().Field, Is.EqualTo("run_id"));
    }

    [Test]
    public void AMissingOptimizerStateIsAnErrorNotAReset()
    {
        Rewrite(_ => { }, keepTensor: n => !n.StartsWith("opt_g.", StringComparison.Ordinal));
        var problem = Refusal();
        Assert.That((problem.Source, problem.Field, problem.Found), Is.EqualTo((_state, "opt_g.0.step", "no such tensor (a missing optimizer state)")));
        Assert.That(problem.Expected, Does.StartWith("the step count of parameter 0 of "));
    }

    [Test]
    public void OneParameterWithoutItsOptimizerStateIsNamed()
    {
        Rewrite(_ => { }, keepTensor: n => !n.StartsWith("opt_s.3.", StringComparison.Ordinal));
        Assert.That(Refusal().Field, Is.EqualTo("opt_s.3.step"));
    }

    [Test]
    public void AStepCountThatIsNotTheRunsIsNamed()
    {
        Rewrite(_ => { }, keepTensor: n => n != "opt_s.1.step", extraTensor: "opt_s.1.step");
        Assert.That(Refusal(), Is.EqualTo(new InputProblem(_state, "opt_s.1.step", "4, the optimizer's step count", "0")));
    }

    [Test]
    public void ATensorOfNoPartIsRefused()
    {
        Rewrite(_ => { }, extraTensor: "teacher.fc.weight");
        var problem = Refusal();
        Assert.That((problem.Field, problem.Found), Is.EqualTo(("teacher.fc.weight", "another name")));
    }

    [Test]
    public void AResumeKeepsTheRunIdAndResumesTheSameRun()
    {
        string runId = DistillConfig.Load(Path.Combine(_run, DaflDistiller.ConfigFile)).RunId;
        TinyDistillation.Resume(Tiny(3), _run);
        Assert.That(DistillConfig.Load(Path.Combine(_run, DaflDistiller.ConfigFile)).RunId, Is.EqualTo(runId));
        RunFolderAssert.Consistent(_run, 3);
        TinyDistillation.Resume(Tiny(4), _run);
        RunFolderAssert.Consistent(_run, 4);
    }
}
