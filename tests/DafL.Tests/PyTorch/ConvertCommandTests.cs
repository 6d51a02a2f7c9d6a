using DafL.Cli;
using DafL.IO;
using DafL.PyTorch;
using DafL.Tests.Support;

namespace DafL.Tests.PyTorch;

/// <summary>
/// <c>dafl convert</c>, and the commands that load a teacher, on the checkpoints PyTorch saved the official way
/// (<c>torch.save(net)</c>): no Python step between PyTorch and a distillation here.
/// </summary>
[NonParallelizable] // the console is process-wide
public class ConvertCommandTests : TempFolderTest
{
    [TestCase("teacher")]
    [TestCase("student")]
    [TestCase("layouts.pt")]
    public void ConvertWritesEveryTensorAsSafetensors(string fixture)
    {
        string input = TorchFiles.Fixture(fixture), output = Path.Combine(Dir, "out.safetensors");
        var outcome = InProcessCli.Run("convert", input, output);
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Ok), outcome.ToString());
        using var expected = PyTorchCheckpoint.Load(input);
        Assert.That(outcome.Output, Does.Contain($"Wrote {expected.Names.Count} tensors"));
        foreach (var note in expected.Notes) Assert.That(outcome.Output, Does.Contain("note: " + note));
        using var written = SafeTensors.Load(output);
        Assert.That(written.Verified, "written here, with its checksum");
        Assert.That(written.Names, Is.EqualTo(expected.Names));
        foreach (var name in expected.Names)
            Assert.That(written.Tensors[name].ToArray(), Is.EqualTo(expected.Tensors[name].ToArray()), name);
        Assert.That(written.Metadata["converted_from"], Is.EqualTo(fixture));
    }

    [Test]
    public void ConvertRefusesAnOutputThatIsNotSafetensorsOrIsTheInput()
    {
        string input = Path.Combine(Dir, "teacher.safetensors");
        File.Copy(TorchFiles.Fixture("teacher"), input);
        var notSafetensors = InProcessCli.Run("convert", input, Path.Combine(Dir, "teacher.pt"));
        Assert.That(notSafetensors.ErrorLines, Is.EqualTo(new[] { $"error: output: expected a file name ending in .safetensors, found {Dir}/teacher.pt." }));
        var itself = InProcessCli.Run("convert", input, input);
        Assert.That(itself.ErrorLines, Is.EqualTo(new[] { $"error: output: expected a file other than the input, found {input}." }));
        var missing = InProcessCli.Run("convert", input);
        Assert.That((missing.ExitCode, missing.ErrorLines), Is.EqualTo((ExitCodes.BadInput, new[] { "error: output: expected a value (required, in this place; see dafl convert --help), found none." })));
    }

    [Test]
    public void AnOfficialTorchSaveTeacherDistilsHere()
    {
        string run = Path.Combine(Dir, "run");
        var outcome = InProcessCli.Run("distill", "--teacher", TorchFiles.Fixture("teacher"), "--preset", "mnist-quick", "--epochs", "1",
            "--batch", "8", "--iters", "2", "--gen-width", "8", "--no-eval", "--out", run);
        Assert.That(outcome.ExitCode, Is.EqualTo(ExitCodes.Ok), outcome.ToString());
        Assert.That(outcome.Output, Does.Contain("note: ").And.Contain("is a pickled lenet.LeNet5 module"));
        Assert.That(File.Exists(Path.Combine(run, "student-best.safetensors")) || File.Exists(Path.Combine(run, "student.safetensors")), outcome.Output);
    }
}
