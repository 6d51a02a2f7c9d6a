using System.Diagnostics;
using DafL.Data;
using DafL.Errors;
using DafL.Tests.Support;

namespace DafL.Tests.Data;

/// <summary>Dataset paths that are not regular files are refused by name before they are opened; a link to a regular file is read as the file.</summary>
public class SpecialDataFileTests
{
    SyntheticDataFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new SyntheticDataFiles();

    [TearDown]
    public void TearDown() => _files.Dispose();

    static void OnLinux() => Skip.Unless(OperatingSystem.IsLinux(), "special files are told apart on Linux only");

    void WriteLabels(string prefix = "train") =>
        _files.Write($"{prefix}-labels-idx1-ubyte", SyntheticDataFiles.IdxLabels(SyntheticDataFiles.CyclicLabels(2)));

    /// <summary>Loads MNIST from the folder, on a thread of its own so that a reader blocking on a FIFO fails the test rather than hanging it.</summary>
    void LoadFails(string expectedSource, string found)
    {
        InputException? caught = null;
        var load = Task.Run(() =>
        {
            try { MnistDataset.Load(_files.Folder, train: true); }
            catch (InputException e) { caught = e; }
        });
        Assert.That(load.Wait(TimeSpan.FromSeconds(10)), Is.True, "the load returned");
        Assert.That(caught, Is.Not.Null, "an InputException");
        Assert.That(caught!.Problem.Source, Is.EqualTo(expectedSource));
        Assert.That(caught.Problem.Found, Is.EqualTo(found));
        Assert.That(caught.Message, Does.StartWith($"{expectedSource}: expected a ").And.Contain($"file in IDX format, found {found}."));
        Assert.That(caught.Message, Does.Not.Contain('\n'));
    }

    [TestCase("train-images-idx3-ubyte")]
    [TestCase("train-images-idx3-ubyte.gz")]
    public void LinkToDevZeroIsRefused(string name)
    {
        OnLinux();
        string link = _files.PathOf(name);
        File.CreateSymbolicLink(link, "/dev/zero");
        WriteLabels();
        LoadFails(link, "a character device");
    }

    [Test]
    public void DevZeroItselfIsRefused()
    {
        OnLinux();
        var e = Assert.Throws<InputException>(() => IdxReader.ReadLabels("/dev/zero", 10, FetchHints.MnistFamily))!;
        Assert.That(e.Problem.Found, Is.EqualTo("a character device"));
    }

    [Test]
    public void FifoIsRefusedWithoutBlocking()
    {
        OnLinux();
        _files.Write("train-images-idx3-ubyte", SyntheticDataFiles.IdxImages(2, 28, 28));
        string fifo = _files.PathOf("train-labels-idx1-ubyte");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.That(mkfifo.ExitCode, Is.Zero, "mkfifo");
        }
        LoadFails(fifo, "a FIFO (named pipe)");
    }

    [Test]
    public void DirectoryInPlaceOfTheFileIsNamed()
    {
        string folder = _files.PathOf("train-images-idx3-ubyte");
        Directory.CreateDirectory(folder);
        _files.Write("train-images-idx3-ubyte", SyntheticDataFiles.IdxImages(2, 28, 28), gzip: true); // not read instead
        WriteLabels();
        LoadFails(folder, "a directory");
    }

    [Test]
    public void LinkToARegularFileIsRead()
    {
        OnLinux();
        var images = SyntheticDataFiles.IdxImages(2, 28, 28);
        string target = _files.Write("elsewhere.gz", SyntheticDataFiles.Gzip(images));
        File.CreateSymbolicLink(_files.PathOf("train-images-idx3-ubyte.gz"), target);
        WriteLabels();
        Assert.That(MnistDataset.Load(_files.Folder, train: true).Image(1).ToArray(), Is.EqualTo(images[(16 + 784)..]));
    }

    [Test]
    public void CifarLinkToDevZeroIsRefused()
    {
        OnLinux();
        string link = _files.PathOf("test_batch.bin");
        File.CreateSymbolicLink(link, "/dev/zero");
        var e = Assert.Throws<InputException>(() => Cifar10Dataset.Load(_files.Folder, train: false, recordsPerFile: 3))!;
        Assert.That(e.Message, Does.StartWith($"{link}: expected a regular CIFAR binary file, found a character device"));
    }
}
