using DafL.Data;

namespace DafL.Tests.Data;

public class CifarDatasetTests
{
    SyntheticDataFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new SyntheticDataFiles();

    [TearDown]
    public void TearDown() => _files.Dispose();

    const int RecordsPerFile = 3;

    /// <summary>CIFAR-10 file f holds labels (f + r) mod 10 and pixels tagged f.</summary>
    void WriteCifar10(bool train)
    {
        var names = train ? Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").ToArray() : ["test_batch.bin"];
        for (int f = 0; f < names.Length; f++)
            _files.Write(names[f], SyntheticDataFiles.CifarRecords(
                [.. Enumerable.Range(0, RecordsPerFile).Select(r => new[] { (byte)((f + r) % 10) })], tag: f));
    }

    [Test]
    public void Cifar10TrainConcatenatesTheFiveBatchesInOrder()
    {
        WriteCifar10(train: true);
        var set = Cifar10Dataset.Load(_files.Folder, train: true, RecordsPerFile);
        Assert.That((set.Count, set.Channels, set.Height, set.Width, set.ClassCount), Is.EqualTo((15, 3, 32, 32, 10)));
        Assert.That(set.Name, Is.EqualTo("CIFAR-10 train"));
        for (int f = 0; f < 5; f++)
            for (int r = 0; r < RecordsPerFile; r++)
            {
                int n = f * RecordsPerFile + r;
                Assert.That(set.Labels[n], Is.EqualTo((f + r) % 10));
                var image = set.Image(n);
                foreach (int p in new[] { 0, 1023, 1024, 2500, 3071 })
                    Assert.That(image[p], Is.EqualTo(SyntheticDataFiles.CifarPixel(r, p, f)), $"record {n} pixel {p}");
            }
    }

    [Test]
    public void Cifar10TestReadsTestBatch()
    {
        WriteCifar10(train: false);
        var set = Cifar10Dataset.Load(_files.Folder, train: false, RecordsPerFile);
        Assert.That(set.Labels, Is.EqualTo(new byte[] { 0, 1, 2 }));
        Assert.That(set.Image(2)[100], Is.EqualTo(SyntheticDataFiles.CifarPixel(2, 100, 0)));
    }

    [Test]
    public void Cifar10MissingBatchIsNamed()
    {
        WriteCifar10(train: true);
        File.Delete(_files.PathOf("data_batch_4.bin"));
        var e = Assert.Throws<DataFormatException>(() => Cifar10Dataset.Load(_files.Folder, train: true, RecordsPerFile))!;
        Assert.That(e.Message, Does.Contain("data_batch_4.bin").And.Contain("file").And.Contain("no such file").And.Contain("cifar-10-binary.tar.gz"));
    }

    [Test]
    public void Cifar10TruncatedFileIsReported()
    {
        WriteCifar10(train: false);
        var bytes = File.ReadAllBytes(_files.PathOf("test_batch.bin"));
        File.WriteAllBytes(_files.PathOf("test_batch.bin"), bytes[..^5]);
        var e = Assert.Throws<DataFormatException>(() => Cifar10Dataset.Load(_files.Folder, train: false, RecordsPerFile))!;
        Assert.That(e.Problem.Field, Is.EqualTo("file length"));
        Assert.That(e.Message, Does.Contain("test_batch.bin").And.Contain("expected 9219 bytes (3 records of 1 label byte(s) + 3072 pixel bytes)").And.Contain("found 9214 bytes"));
    }

    [Test]
    public void Cifar10OfficialRecordCountIsTheDefault()
    {
        WriteCifar10(train: false);
        var e = Assert.Throws<DataFormatException>(() => Cifar10Dataset.Load(_files.Folder, train: false))!;
        Assert.That(e.Message, Does.Contain("expected 30730000 bytes (10000 records"));
    }

    [Test]
    public void Cifar10LabelOutOfRangeIsReported()
    {
        _files.Write("test_batch.bin", SyntheticDataFiles.CifarRecords([[1], [10], [2]], tag: 0));
        var e = Assert.Throws<DataFormatException>(() => Cifar10Dataset.Load(_files.Folder, train: false, RecordsPerFile))!;
        Assert.That(e.Message, Does.Contain("test_batch.bin").And.Contain("label of record 1: expected 0 to 9, found 10"));
    }

    [Test]
    public void Cifar100KeepsTheFineLabel()
    {
        _files.Write("train.bin", SyntheticDataFiles.CifarRecords([[3, 99], [19, 0], [0, 42]], tag: 9));
        var set = Cifar100Dataset.Load(_files.Folder, train: true, records: 3);
        Assert.That((set.Count, set.ClassCount, set.Name), Is.EqualTo((3, 100, "CIFAR-100 train")));
        Assert.That(set.Labels, Is.EqualTo(new byte[] { 99, 0, 42 }));
        Assert.That(set.Image(1)[0], Is.EqualTo(SyntheticDataFiles.CifarPixel(1, 0, 9)));
        Assert.That(set.Image(2)[3071], Is.EqualTo(SyntheticDataFiles.CifarPixel(2, 3071, 9)));
    }

    [TestCase(20, 5, "coarse label of record 0: expected 0 to 19, found 20")]
    [TestCase(2, 100, "fine label of record 0: expected 0 to 99, found 100")]
    public void Cifar100LabelOutOfRangeIsReported(int coarse, int fine, string text)
    {
        _files.Write("test.bin", SyntheticDataFiles.CifarRecords([[(byte)coarse, (byte)fine]], tag: 0));
        var e = Assert.Throws<DataFormatException>(() => Cifar100Dataset.Load(_files.Folder, train: false, records: 1))!;
        Assert.That(e.Message, Does.Contain("test.bin").And.Contain(text).And.Contain("cifar-100-binary.tar.gz"));
    }

    [Test]
    public void Cifar100WrongLengthIsReported()
    {
        _files.Write("test.bin", SyntheticDataFiles.CifarRecords([[1, 2], [3, 4]], tag: 0));
        var e = Assert.Throws<DataFormatException>(() => Cifar100Dataset.Load(_files.Folder, train: false, records: 3))!;
        Assert.That(e.Message, Does.Contain("expected 9222 bytes (3 records of 2 label byte(s) + 3072 pixel bytes), found 6148 bytes"));
    }

    [Test]
    public void CifarAbsentFolderIsNamed()
    {
        string missing = Path.Combine(_files.Folder, "cifar-100-binary");
        var e = Assert.Throws<DataFormatException>(() => Cifar100Dataset.Load(missing, train: true))!;
        Assert.That(e.Message, Does.Contain(missing).And.Contain("folder").And.Contain("no such folder"));
        Assert.That(Cifar10Dataset.DefaultFolder("data"), Is.EqualTo(Path.Combine("data", "cifar-10-batches-bin")));
        Assert.That(Cifar100Dataset.DefaultFolder("data"), Is.EqualTo(Path.Combine("data", "cifar-100-binary")));
    }
}
