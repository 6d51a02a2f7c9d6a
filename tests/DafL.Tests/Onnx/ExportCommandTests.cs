using DafL.Cli;
using DafL.Models;
using DafL.NN;
using DafL.Onnx;
using DafL.Random;
using DafL.Tests.Data;
using DafL.Tests.Support;
using DafL.Training;

namespace DafL.Tests.Onnx;

/// <summary>
/// `dafl export` and `dafl eval` of its output, end to end in this process on a synthetic MNIST test set: the ONNX
/// file, run in onnxruntime, prints the accuracy line of the checkpoint it came from; bad input is one line.
/// </summary>
[NonParallelizable] // the console is process-wide
public class ExportCommandTests : TempFolderTest
{
    const int Images = 40;
    string Data => Path.Combine(Dir, "data");
    string Student => Path.Combine(Dir, "student.safetensors");

    [SetUp]
    public void WriteStudentAndTestSet()
    {
        Directory.CreateDirectory(Path.Combine(Data, "mnist"));
        File.WriteAllBytes(Path.Combine(Data, "mnist", "t10k-images-idx3-ubyte"), SyntheticDataFiles.IdxImages(Images, 28, 28));
        File.WriteAllBytes(Path.Combine(Data, "mnist", "t10k-labels-idx1-ubyte"), SyntheticDataFiles.IdxLabels(SyntheticDataFiles.CyclicLabels(Images)));
        using var student = LeNet5.Half(new Philox(51));
        Checkpoint.SaveModel(Student, student, TeacherConfig.Official("mnist").ToJson());
    }

    [TestCase("dynamic", "N")]
    [TestCase("7", "7")]
    public void TheExportEvaluatesToTheCheckpointsAccuracyLine(string batch, string n)
    {
        var onnx = Path.Combine(Dir, "student.onnx");
        var exported = InProcessCli.Run("export", "--model", Student, "--onnx", onnx, "--batch", batch);
        Assert.That(exported.ExitCode, Is.EqualTo(ExitCodes.Ok), exported.ToString());
        Assert.That(exported.Output, Does.Contain($"'input' ({n}, 1, 32, 32) → 'logits' ({n}, 10)"));

        var ours = Eval(Student, "--per-class");
        var theirs = Eval(onnx, "--per-class");
        Assert.That(theirs[0], Is.EqualTo(ours[0].Replace(Student, onnx).Replace("test (cpu)", "test (onnxruntime, cpu)")));
        Assert.That(theirs[1..], Is.EqualTo(ours[1..]), "the per-class table");
    }

    [Test]
    public void AnOnnxFileIsKnownByItsContentNotItsName()
    {
        var disguised = Path.Combine(Dir, "student-onnx.safetensors");
        Assert.That(InProcessCli.Run("export", "--model", Student, "--onnx", disguised).ExitCode, Is.EqualTo(ExitCodes.Ok));
        Assert.That(Eval(disguised)[0], Does.Contain("(lenet5-half, 15,738 parameters) on mnist test (onnxruntime, cpu)"));
    }

    [Test]
    public void AFileThatIsNotAClassifierIsOneLine()
    {
        var generator = Path.Combine(Dir, "generator.safetensors");
        using (var g = new DaflGenerator(8, 32, 1, new Philox(52), width: 8))
            Checkpoint.SaveModel(generator, g, TeacherConfig.Official("mnist").ToJson());
        var onnx = Path.Combine(Dir, "g.onnx");
        var outcome = InProcessCli.Run("export", "--model", generator, "--onnx", onnx);
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(outcome.ErrorLines, Has.Length.EqualTo(1));
        Assert.That(outcome.ErrorLines[0], Does.StartWith($"error: {generator}: keys: expected conv1.weight, as in a LeNet-5 or CIFAR ResNet state dict, found"));
        Assert.That(File.Exists(onnx), Is.False);
    }

    [Test]
    public void AnUnwritableOutputIsOneLineBeforeAnythingIsLoaded()
    {
        var outcome = InProcessCli.Run("export", "--model", Path.Combine(Dir, "missing.safetensors"), "--onnx", "/proc/dafl.onnx");
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(outcome.ErrorLines, Is.EqualTo(new[] { "error: --onnx: expected a file in a writable folder, found /proc/dafl.onnx (nothing can be created there)." }));
    }

    [Test]
    public void AnOnnxModelThatIsNotAClassifierIsOneLine()
    {
        var path = Path.Combine(Dir, "relu.onnx");
        using (var relu = new Sequential(new ReLU()))
            OnnxExporter.Save(OnnxExporter.Layer(relu, "relu", [1, 32, 32], [1, 32, 32], batch: null), path);
        var outcome = InProcessCli.Run("eval", "--model", path, "--dataset", "mnist", "--data", Data);
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(outcome.ErrorLines, Is.EqualTo(new[] { $"error: {path}: output 'output' shape: expected 2 dimensions, found [?, 1, 32, 32]." }));
    }

    [Test]
    public void AnOnnxModelRunsOnlyOnTheCpu()
    {
        var onnx = Path.Combine(Dir, "student.onnx");
        Assert.That(InProcessCli.Run("export", "--model", Student, "--onnx", onnx).ExitCode, Is.EqualTo(ExitCodes.Ok));
        var outcome = InProcessCli.Run("eval", "--model", onnx, "--dataset", "mnist", "--data", Data, "--device", "cuda");
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(outcome.ErrorLines, Is.EqualTo(new[] { "error: --device: expected cpu or auto for an ONNX model (onnxruntime runs it on the CPU), found cuda." }));
    }

    /// <summary>`dafl eval`'s output lines for <paramref name="model"/> on the synthetic test set.</summary>
    string[] Eval(string model, params string[] more)
    {
        var outcome = InProcessCli.Run(["eval", "--model", model, "--dataset", "mnist", "--data", Data, "--device", "cpu", .. more]);
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Ok), outcome.ToString());
        return outcome.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
