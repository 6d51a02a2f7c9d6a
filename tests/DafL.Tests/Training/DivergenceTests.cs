using DafL.Cli;
using DafL.Cli.Commands;
using DafL.Data;
using DafL.Errors;
using DafL.Models;
using DafL.NN;
using DafL.Random;
using DafL.Tests.Support;
using DafL.Training;

namespace DafL.Tests.Training;

/// <summary>A loss that is not finite stops training with its epoch and step, and keeps what the last good epoch wrote.</summary>
public class DivergenceTests : TempFolderTest
{
    static void Poison(Module model)
    {
        var weight = model.Parameters().First();
        using var nan = Tensor.Full(weight.Shape, float.NaN, weight.Device);
        weight.CopyFrom(nan);
    }

    /// <summary>Makes the generator's weights NaN when epoch <paramref name="afterEpoch"/> has ended (its checkpoint written), keeping the run folder's files as they were then.</summary>
    sealed class PoisonAfter(DaflDistiller distiller, int afterEpoch, string runDir) : ITrainingObserver
    {
        public Dictionary<string, byte[]> Files { get; } = [];

        public void OnIteration(int epoch, int iteration, int iterationsPerEpoch) { }

        public void OnEpoch(EpochSummary summary)
        {
            if (summary.Epoch != afterEpoch) return;
            Poison(distiller.Generator);
            foreach (var file in Directory.GetFiles(runDir)) Files[file] = File.ReadAllBytes(file);
        }
    }

    [Test]
    public void ADistillationThatDivergesStopsAtItsStepKeepingTheLastGoodEpoch()
    {
        string run = Path.Combine(Dir, "run"), straight = Path.Combine(Dir, "straight");
        var config = TinyDistillation.Config(3);
        using (var teacher = TinyDistillation.Teacher())
        using (var d = new DaflDistiller(config, teacher, runDir: run))
        using (var log = new MetricsLog(Path.Combine(run, DaflDistiller.MetricsFile)))
        {
            var observer = new PoisonAfter(d, afterEpoch: 1, run);
            var e = Assert.Throws<ResumableRunException>(() => d.Run(observer, log))!;
            Assert.That(e.Message, Does.StartWith("epoch 2, step 1: ").And.Contain("NaN")
                .And.EndWith($"the last good checkpoint is epoch 1 in {run}; resume the run from it, perhaps with a lower learning rate."));
            Assert.That((e.LastGoodEpoch, e.RunDirectory), Is.EqualTo((1, run)));
            var cli = new StringWriter();
            Assert.That(ErrorReport.Write(e, verbose: false, cli), Is.EqualTo(ExitCodes.RunFailed));
            Assert.That(cli.ToString(), Does.StartWith("error: epoch 2, step 1: ")
                .And.EndWith($"the last good checkpoint is epoch 1 in {run}; resume with --resume, perhaps with a lower learning rate.{Environment.NewLine}"),
                "the CLI names its option");
            Assert.That(e.Message, Does.Not.Contain("\n"));
            Assert.That(e.InnerException, Is.TypeOf<ArithmeticException>());
            Assert.That(observer.Files, Is.Not.Empty);
            foreach (var (file, bytes) in observer.Files)
                Assert.That(File.ReadAllBytes(file), Is.EqualTo(bytes), $"{file}: nothing of the failed epoch is written");
        }
        RunFolderAssert.Consistent(run, 1);
        TinyDistillation.Resume(config, run);
        TinyDistillation.Run(config, straight);
        RunFolderAssert.SameFiles(straight, run);
        RunFolderAssert.Consistent(run, 3);
    }

    [Test]
    public void ADistillationThatDivergesAtOnceSaysNothingWasKept()
    {
        using var teacher = TinyDistillation.Teacher();
        Poison(teacher);
        using var d = new DaflDistiller(TinyDistillation.Config(1), teacher, runDir: Path.Combine(Dir, "run"));
        var e = Assert.Throws<RunFailedException>(() => d.Run())!;
        Assert.That(e.Message, Does.StartWith("epoch 1, step 1: ").And.Contain("holds no checkpoint; start again"));
        Assert.That(File.Exists(Path.Combine(Dir, "run", DaflDistiller.StateFile)), Is.False);
    }

    [Test]
    public void ATeacherThatDivergesStopsNamingItsEpochAndStep()
    {
        using var model = LeNet5.Half(new Philox(4));
        Poison(model);
        var e = Assert.Throws<RunFailedException>(() => new TeacherTrainer(new TeacherConfig { Epochs = 2, BatchSize = 4 }, RandomImages.Labelled(8, 6), null).Train(model))!;
        Assert.That(e.Message, Does.StartWith("epoch 1, step 1: ").And.Contain("NaN").And.Contain("nothing was saved"));
    }
}
