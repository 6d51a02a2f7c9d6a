using DafL.Errors;
using DafL.Reports;
using DafL.Tests.Support;
using DafL.Tests.Training;
using DafL.Training;

namespace DafL.Tests.Reports;

public class RunReaderTests : TempFolderTest
{
    string Run => Path.Combine(Dir, "run");
    string Teacher => Path.Combine(Dir, "teacher.safetensors");
    string Metrics => Path.Combine(Run, DaflDistiller.MetricsFile);

    [Test]
    public void ADistillRunIsReadWithEveryLoggedNumber()
    {
        ReportRuns.Distill(Run, Teacher, epochs: 3, evaluation: true);
        var run = RunReader.Read(Run);
        Assert.That(run.Kind, Is.EqualTo(RunKind.Distill));
        Assert.That(run.Epochs.Select(e => e.Epoch), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(run.Epochs.All(e => e.TestAccuracy is >= 0 and <= 1 && e.StepMilliseconds > 0 && e.Seconds > 0));
        Assert.That(run.Epochs[0].Losses.Keys, Is.EquivalentTo(new[] { "one_hot", "info_entropy", "activation", "kd", "total" }));
        Assert.That(run.Epochs[0].LearningRates.Keys, Is.EquivalentTo(new[] { "student", "generator" }));
        Assert.That(run.Epochs[0].LearningRates["student"], Is.EqualTo(TinyDistillation.Config(3).LrS).Within(1e-4).Percent);
        Assert.That(run.Epochs[0].LearningRates["generator"], Is.EqualTo(TinyDistillation.Config(3).LrG).Within(1e-4).Percent);
        Assert.That(run.Config, Does.Contain(KeyValuePair.Create("iters_per_epoch", "2")));
        Assert.That(run.TeacherPath, Is.EqualTo(Teacher));
        Assert.That(run.GeneratorPath, Does.EndWith("generator.safetensors"));
        Assert.That(run.Notes, Is.Empty);
    }

    [Test]
    public void TheEvaluationFileHoldsTheTeachersAndTheBestStudentsScores()
    {
        ReportRuns.Distill(Run, Teacher, epochs: 2, evaluation: true);
        var run = RunReader.Read(Run);
        var best = run.BestStudent!;
        Assert.That(best.Epoch, Is.EqualTo(run.Best!.Epoch));
        // The best student scored again on the same images gives the accuracy its epoch logged.
        Assert.That(best.Score.Accuracy, Is.EqualTo(run.Best.TestAccuracy));
        Assert.That(Enumerable.Range(0, 10).Sum(c => best.Score.Count(c)), Is.EqualTo(20), "every test image counted once");
        using var teacher = ModelCatalog.Load(Teacher).Model;
        Assert.That(run.TeacherAccuracy, Is.EqualTo(Evaluator.Evaluate(teacher, RandomImages.Labelled(20, 5)).Accuracy));
    }

    [Test]
    public void ARunWithoutAnEvaluationFileSaysWhatItLeavesOut()
    {
        ReportRuns.Distill(Run, Teacher, epochs: 1, evaluation: false);
        var run = RunReader.Read(Run);
        Assert.That((run.TeacherAccuracy, run.BestStudent, run.TeacherPath), Is.EqualTo(((double?)null, (ClassScores?)null, (string?)null)));
        Assert.That(run.Notes, Has.One.Contains("No evaluation.json"));
    }

    [Test]
    public void AMalformedLineIsOneErrorNamingTheFileLineAndField()
    {
        ReportRuns.Distill(Run, Teacher, epochs: 2, evaluation: false);
        var lines = File.ReadAllLines(Metrics);
        File.WriteAllLines(Metrics, [lines[0], "{\"kind\": \"distill_epoch\", \"epoch\": 2,", lines[1]]);
        var e = Assert.Throws<InputException>(() => RunReader.Read(Run))!;
        Assert.That(e.Message, Does.StartWith($"{Metrics} line 2: JSON: expected valid JSON, found an error"));
    }

    [Test]
    public void AMissingOrMistypedFieldIsNamed()
    {
        ReportRuns.Distill(Run, Teacher, epochs: 2, evaluation: false);
        var lines = File.ReadAllLines(Metrics);
        File.WriteAllLines(Metrics, [lines[0], System.Text.RegularExpressions.Regex.Replace(lines[1], "\"lr_s\":[^,]*,", "")]);
        Assert.That(Assert.Throws<InputException>(() => RunReader.Read(Run))!.Message,
            Is.EqualTo($"{Metrics} line 2: lr_s: expected a number, found no such field."));
        File.WriteAllLines(Metrics, [lines[0].Replace("\"epoch\":1", "\"epoch\":\"one\"")]);
        Assert.That(Assert.Throws<InputException>(() => RunReader.Read(Run))!.Message,
            Is.EqualTo($"{Metrics} line 1: epoch: expected a whole number, found \"one\"."));
    }

    [Test]
    public void ATornLastLineIsLeftOutAndSaid()
    {
        ReportRuns.Distill(Run, Teacher, epochs: 2, evaluation: false);
        File.AppendAllText(Metrics, "{\"kind\": \"distill_ep");
        var run = RunReader.Read(Run);
        Assert.That(run.Epochs, Has.Count.EqualTo(2));
        Assert.That(run.Notes, Has.One.Contains("unfinished line"));
    }

    [Test]
    public void AMalformedEvaluationFileIsNamed()
    {
        ReportRuns.Distill(Run, Teacher, epochs: 1, evaluation: true);
        var path = Path.Combine(Run, EvaluationFile.Name);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"teacher_accuracy\"", "\"teacher_acc\""));
        Assert.That(Assert.Throws<InputException>(() => RunReader.Read(Run))!.Message,
            Is.EqualTo($"{path}: teacher_accuracy: expected a number, found no such field."));
    }

    [Test]
    public void ATeacherRunIsReadFromItsCheckpointsLogAndSidecar()
    {
        ReportRuns.Teacher(Teacher, epochs: 2);
        var run = RunReader.Read(Teacher);
        Assert.That(run.Kind, Is.EqualTo(RunKind.Teacher));
        Assert.That(run.Epochs.Select(e => e.Epoch), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(run.Epochs.Select(e => e.Losses.Keys.Single()), Is.All.EqualTo("ce"));
        Assert.That(run.Epochs.Select(e => e.LearningRates["teacher"]), Is.All.EqualTo(1e-3).Within(1e-9));
        Assert.That(run.Epochs.Select(e => e.StepMilliseconds), Is.All.GreaterThan(0), "step_ms, logged by the teacher trainer now");
        Assert.That(run.Epochs.Select(e => e.TestAccuracy), Is.All.Not.Null);
        Assert.That(run.Config, Does.Contain(KeyValuePair.Create("batch_size", "8")));
    }

    [Test]
    public void AReferenceLogIsReadAsAFileOrItsFolder()
    {
        var path = Path.Combine(Dir, "distill.jsonl");
        ReportRuns.Reference(path, epochs: 3);
        foreach (var given in new[] { path, Dir })
        {
            var run = RunReader.Read(given);
            Assert.That(run.Kind, Is.EqualTo(RunKind.Reference));
            Assert.That(run.TeacherAccuracy, Is.EqualTo(0.9871));
            Assert.That(run.Epochs.Select(e => e.TestAccuracy), Is.EqualTo(new double?[] { 0.81, 0.82, 0.83 }));
            Assert.That(run.Epochs[1].Losses["one_hot"], Is.EqualTo(0.2));
            Assert.That(run.Epochs[0].StepMilliseconds, Is.EqualTo(20).Within(1e-9), "2.4 s over 120 iterations");
            Assert.That(run.Config, Does.Not.Contain(KeyValuePair.Create("event", "config")));
        }
    }

    [Test]
    public void SomethingElseIsOneErrorSayingWhatIsTaken()
    {
        var e = Assert.Throws<InputException>(() => RunReader.Read(Dir))!;
        Assert.That(e.Message, Does.StartWith($"{Dir}: expected a distill run folder").And.EndWith("found a folder with none of their files."));
        Assert.That(Assert.Throws<InputException>(() => RunReader.Read(Path.Combine(Dir, "nothing")))!.Message, Does.EndWith("found no such file or folder."));
    }
}
