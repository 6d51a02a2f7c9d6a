using DafL.Errors;
using DafL.PyTorch;
using DafL.Tests.Support;
using DafL.Training;

namespace DafL.Tests.PyTorch;

/// <summary>Damaged and incomplete PyTorch checkpoints: each is one clear line naming the file and what is wrong.</summary>
public class DamagedCheckpointTests : TempFolderTest
{
    string CopyOf(string fixture, int? keep = null)
    {
        var bytes = File.ReadAllBytes(TorchFiles.Fixture(fixture));
        string path = Path.Combine(Dir, fixture);
        File.WriteAllBytes(path, keep is { } n ? bytes[..n] : bytes);
        return path;
    }

    static void FailsWith(string path, string message) =>
        Assert.That(() => ModelCatalog.Load(path), Throws.InstanceOf<InputException>().With.Message.EqualTo(message));

    [Test]
    public void ATruncatedZipIsNamedAsOne()
    {
        string path = CopyOf("teacher", keep: 100_000);
        Assert.That(() => ModelCatalog.Load(path), Throws.InstanceOf<InputException>().With.Message.StartsWith(
            $"{path}: zip archive: expected a complete zip archive (PyTorch's checkpoint format), found a damaged or truncated one ("));
    }

    [Test]
    public void AMissingStorageRecordIsNamed()
    {
        string path = Path.Combine(Dir, "teacher");
        var records = TorchFiles.ReadZip(TorchFiles.Fixture("teacher")).Where(r => r.Name != "teacher/data/3");
        TorchFiles.WriteZip(path, "teacher", records.Select(r => (r.Name["teacher/".Length..], r.Bytes)));
        FailsWith(path, $"{path}: record 'teacher/data/3': expected the storage of 16 float32 values that a tensor refers to, found no such record (the archive is incomplete).");
    }

    [Test]
    public void AStorageRecordOfTheWrongLengthIsNamed()
    {
        string path = Path.Combine(Dir, "teacher");
        var records = TorchFiles.ReadZip(TorchFiles.Fixture("teacher"));
        TorchFiles.WriteZip(path, "teacher", records.Select(r => (r.Name["teacher/".Length..], r.Name == "teacher/data/3" ? r.Bytes[..60] : r.Bytes)));
        FailsWith(path, $"{path}: record 'teacher/data/3': expected 64 bytes (16 float32 values), found 60.");
    }

    [Test]
    public void ATruncatedLegacyFileIsNamed()
    {
        string path = CopyOf("student_legacy.pt", keep: 40_000);
        Assert.That(() => ModelCatalog.Load(path), Throws.InstanceOf<InputException>().With.Message.Match(
            $@"^{System.Text.RegularExpressions.Regex.Escape(path)}: storage '\d+': expected \d+ bytes \(\d+ float32 values\), found the file ends after \d+ \(it is truncated\)\.$"));
    }

    [Test]
    public void AFileOfNoKnownFormatSaysWhichItCouldBe()
    {
        string path = Path.Combine(Dir, "teacher.pt");
        File.WriteAllBytes(path, "hello, world"u8.ToArray());
        FailsWith(path, $"{path}: format: expected {CheckpointFormat.Expected}, found a file of 12 bytes starting 68656C6C6F2C2077.");
    }

    /// <summary>
    /// Every byte changed, cut or doubled somewhere in small checkpoints of both formats: each mutant loads or is one
    /// <see cref="InputException"/> naming the file; nothing else escapes and nothing is leaked.
    /// </summary>
    [TestCase("layouts.pt")]
    [TestCase("student_legacy.pt")]
    [TestCase("student")]
    public void MutantsLoadOrFailAsBadInput(string fixture)
    {
        var original = File.ReadAllBytes(TorchFiles.Fixture(fixture));
        var random = new System.Random(20241204);
        string path = Path.Combine(Dir, "mutant");
        int refused = 0;
        for (int i = 0; i < 300; i++)
        {
            var bytes = (byte[])original.Clone();
            int at = random.Next(bytes.Length);
            bytes = (i % 3) switch
            {
                0 => Flip(bytes, at, random),
                1 => bytes[..at],
                _ => [.. bytes[..at], .. bytes[at..Math.Min(bytes.Length, at + 64)], .. bytes[at..]],
            };
            File.WriteAllBytes(path, bytes);
            try
            {
                PyTorchCheckpoint.Load(path).Dispose();
            }
            catch (InputException e)
            {
                Assert.That(e.Message, Does.StartWith(path + ": ").And.Not.Contain("\n"), $"mutant {i}");
                refused++;
            }
        }
        Assert.That(refused, Is.GreaterThan(0), "some mutants are damaged");
    }

    static byte[] Flip(byte[] bytes, int at, System.Random random)
    {
        bytes[at] ^= (byte)(1 << random.Next(8));
        return bytes;
    }
}
