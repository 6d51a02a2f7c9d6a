using System.Buffers.Binary;
using DafL.Data;

namespace DafL.Tests.Data;

public class MnistDatasetTests
{
    SyntheticDataFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new SyntheticDataFiles();

    [TearDown]
    public void TearDown() => _files.Dispose();

    void WriteSplit(string prefix, int count, bool gzip, int rows = 28, int cols = 28)
    {
        _files.Write($"{prefix}-images-idx3-ubyte", SyntheticDataFiles.IdxImages(count, rows, cols), gzip);
        _files.Write($"{prefix}-labels-idx1-ubyte", SyntheticDataFiles.IdxLabels(SyntheticDataFiles.CyclicLabels(count)), gzip);
    }

    static void AssertImagesMatchPattern(ImageSet set, int count)
    {
        Assert.That(set.Count, Is.EqualTo(count));
        Assert.That((set.Channels, set.Height, set.Width, set.ClassCount), Is.EqualTo((1, 28, 28, 10)));
        for (int i = 0; i < count; i++)
        {
            var image = set.Image(i);
            Assert.That(image[0], Is.EqualTo(SyntheticDataFiles.Pixel(i, 0)));
            Assert.That(image[29 * 13], Is.EqualTo(SyntheticDataFiles.Pixel(i, 29 * 13)));
            Assert.That(image[783], Is.EqualTo(SyntheticDataFiles.Pixel(i, 783)));
            Assert.That(set.Labels[i], Is.EqualTo(i % 10));
        }
    }

    [TestCase(false)]
    [TestCase(true)]
    public void ReadsTrainAndTestSplits(bool gzip)
    {
        WriteSplit("train", 12, gzip);
        WriteSplit("t10k", 5, gzip);
        var train = MnistDataset.Load(_files.Folder, train: true);
        var test = MnistDataset.Load(_files.Folder, train: false, MnistVariant.FashionMnist);
        AssertImagesMatchPattern(train, 12);
        AssertImagesMatchPattern(test, 5);
        Assert.That(train.Name, Is.EqualTo("MNIST train"));
        Assert.That(test.Name, Is.EqualTo("Fashion-MNIST test"));
    }

    [Test]
    public void ReadsRawImagesBesideGzippedLabels()
    {
        _files.Write("train-images-idx3-ubyte", SyntheticDataFiles.IdxImages(3, 28, 28));
        _files.Write("train-labels-idx1-ubyte", SyntheticDataFiles.IdxLabels([7, 8, 9]), gzip: true);
        var set = MnistDataset.Load(_files.Folder, train: true);
        Assert.That(set.Labels, Is.EqualTo(new byte[] { 7, 8, 9 }));
    }

    [Test]
    public void DefaultFoldersFollowTheFetchScript()
    {
        Assert.That(MnistDataset.DefaultFolder("data", MnistVariant.Mnist), Is.EqualTo(Path.Combine("data", "mnist")));
        Assert.That(MnistDataset.DefaultFolder("data", MnistVariant.FashionMnist), Is.EqualTo(Path.Combine("data", "fashion-mnist")));
    }

    static DataFormatException LoadFails(string folder, bool train = true) =>
        Assert.Throws<DataFormatException>(() => MnistDataset.Load(folder, train))!;

    static void AssertMessage(DataFormatException e, string fileName, string field, string expected, string found)
    {
        Assert.That(e.Message, Does.Contain(fileName));
        Assert.That(e.Message, Does.Contain(field));
        Assert.That(e.Message, Does.Contain(expected));
        Assert.That(e.Message, Does.Contain(found));
        Assert.That(e.Message, Does.Contain("dotnet pwsh build.ps1 data"));
        Assert.That(e.Problem.Field, Is.EqualTo(field));
    }

    [Test]
    public void AbsentFolderIsNamed()
    {
        string missing = Path.Combine(_files.Folder, "no-such-mnist");
        var e = LoadFails(missing);
        AssertMessage(e, "no-such-mnist", "folder", "an existing folder", "no such folder");
        Assert.That(e.Problem.Source, Is.EqualTo(missing));
    }

    [Test]
    public void AbsentFileNamesBothSpellings()
    {
        _files.Write("train-labels-idx1-ubyte", SyntheticDataFiles.IdxLabels([1]));
        var e = LoadFails(_files.Folder);
        AssertMessage(e, "train-images-idx3-ubyte", "file", "train-images-idx3-ubyte or train-images-idx3-ubyte.gz", "neither exists");
    }

    [Test]
    public void WrongImageMagicIsReported()
    {
        _files.Write("train-images-idx3-ubyte", SyntheticDataFiles.IdxImages(2, 28, 28, magic: 2049));
        _files.Write("train-labels-idx1-ubyte", SyntheticDataFiles.IdxLabels([1, 2]));
        AssertMessage(LoadFails(_files.Folder), "train-images-idx3-ubyte", "magic number", "2051 (0x00000803)", "2049 (0x00000801)");
    }

    [Test]
    public void WrongLabelMagicIsReported()
    {
        _files.Write("t10k-images-idx3-ubyte", SyntheticDataFiles.IdxImages(2, 28, 28), gzip: true);
        _files.Write("t10k-labels-idx1-ubyte", SyntheticDataFiles.IdxLabels([1, 2], magic: 0x1F8B0800), gzip: true);
        AssertMessage(LoadFails(_files.Folder, train: false), "t10k-labels-idx1-ubyte.gz", "magic number", "2049", "529205248");
    }

    [Test]
    public void TruncatedHeaderIsReported()
    {
        _files.Write("train-images-idx3-ubyte", SyntheticDataFiles.IdxImages(2, 28, 28)[..10]);
        _files.Write("train-labels-idx1-ubyte", SyntheticDataFiles.IdxLabels([1, 2]));
        AssertMessage(LoadFails(_files.Folder), "train-images-idx3-ubyte", "header length", "16 bytes", "10 bytes");
    }

    [TestCase(false, "file length")]
    [TestCase(true, "gzip size")]
    public void TruncatedImageDataIsReported(bool gzip, string field)
    {
        var images = SyntheticDataFiles.IdxImages(3, 28, 28);
        _files.Write("train-images-idx3-ubyte", images[..^100], gzip);
        _files.Write("train-labels-idx1-ubyte", SyntheticDataFiles.IdxLabels([1, 2, 3]));
        AssertMessage(LoadFails(_files.Folder), "train-images-idx3-ubyte", field,
            "2368 bytes (16-byte header + 3 × 28 × 28 data bytes)", "2268 bytes");
    }

    [Test]
    public void CountBeyondTheFileFailsBeforeAllocating()
    {
        var images = SyntheticDataFiles.IdxImages(1, 28, 28);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), 2_000_000); // 1.5 GB declared in a 800-byte file
        _files.Write("train-images-idx3-ubyte", images);
        _files.Write("train-labels-idx1-ubyte", SyntheticDataFiles.IdxLabels([1]));
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        AssertMessage(LoadFails(_files.Folder), "train-images-idx3-ubyte", "file length",
            "1568000016 bytes (16-byte header + 2000000 × 28 × 28 data bytes)", "800 bytes");
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore, Is.LessThan(16L << 20));
    }

    [Test]
    public void TruncatedLabelDataIsReported()
    {
        _files.Write("train-images-idx3-ubyte", SyntheticDataFiles.IdxImages(3, 28, 28));
        _files.Write("train-labels-idx1-ubyte", SyntheticDataFiles.IdxLabels([1, 2, 3])[..^1]);
        AssertMessage(LoadFails(_files.Folder), "train-labels-idx1-ubyte", "file length", "11 bytes", "10 bytes");
    }

    [Test]
    public void ImageAndLabelCountMismatchIsReported()
    {
        _files.Write("train-images-idx3-ubyte", SyntheticDataFiles.IdxImages(4, 28, 28));
        _files.Write("train-labels-idx1-ubyte", SyntheticDataFiles.IdxLabels([1, 2, 3]));
        AssertMessage(LoadFails(_files.Folder), "train-labels-idx1-ubyte", "item count",
            "4 (the image count of train-images-idx3-ubyte)", "found 3");
    }

    [TestCase(32, 28, "row count", "expected 28, found 32")]
    [TestCase(28, 27, "column count", "expected 28, found 27")]
    public void WrongImageSizeIsReported(int rows, int cols, string field, string text)
    {
        _files.Write("train-images-idx3-ubyte", SyntheticDataFiles.IdxImages(2, rows, cols));
        _files.Write("train-labels-idx1-ubyte", SyntheticDataFiles.IdxLabels([1, 2]));
        AssertMessage(LoadFails(_files.Folder), "train-images-idx3-ubyte", field, "28", text);
    }

    [Test]
    public void LabelOutOfRangeIsReported()
    {
        _files.Write("train-images-idx3-ubyte", SyntheticDataFiles.IdxImages(3, 28, 28));
        _files.Write("train-labels-idx1-ubyte", SyntheticDataFiles.IdxLabels([1, 12, 3]));
        AssertMessage(LoadFails(_files.Folder), "train-labels-idx1-ubyte", "label value of item 1", "0 to 9", "found 12");
    }

    [Test]
    public void NegativeCountIsReported()
    {
        var labels = SyntheticDataFiles.IdxLabels([1]);
        BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), -5);
        _files.Write("train-images-idx3-ubyte", SyntheticDataFiles.IdxImages(1, 28, 28));
        _files.Write("train-labels-idx1-ubyte", labels);
        AssertMessage(LoadFails(_files.Folder), "train-labels-idx1-ubyte", "item count", "a non-negative count", "-5");
    }
}
