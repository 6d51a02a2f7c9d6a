using System.Buffers.Binary;
using System.IO.Compression;
using DafL.Data;

namespace DafL.Tests.Data;

/// <summary>Gzipped IDX files: each kind of damage named as its own field, bombs refused before they cost memory, and good files read as their raw copy.</summary>
public class GzipIdxTests
{
    const int Images = 3;
    const long ContentLength = 16 + Images * 28 * 28; // 2368 = 0x940
    const string LengthText = "2368 bytes (16-byte header + 3 × 28 × 28 data bytes)";

    SyntheticDataFiles _files = null!;

    [SetUp]
    public void SetUp() => _files = new SyntheticDataFiles();

    [TearDown]
    public void TearDown() => _files.Dispose();

    static byte[] Content => SyntheticDataFiles.IdxImages(Images, 28, 28);

    /// <summary>The raw deflate data of <paramref name="content"/> (its gzip without header and trailer).</summary>
    static byte[] Deflate(byte[] content) => SyntheticDataFiles.Gzip(content)[10..^8];

    static byte[] Member(byte[] deflate, uint? length = null, byte[]? header = null) =>
        SyntheticDataFiles.GzipMember(header ?? SyntheticDataFiles.PlainGzipHeader(), deflate, SyntheticDataFiles.ZlibCrc32(Content),
            length ?? (uint)ContentLength);

    byte[] Read(byte[] gz) => IdxReader.ReadImages(_files.Write("train-images-idx3-ubyte.gz", gz), 28, 28, FetchHints.MnistFamily);

    DataFormatException Fails(byte[] gz, string field)
    {
        string path = _files.Write("train-images-idx3-ubyte.gz", gz);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path, 28, 28, FetchHints.MnistFamily))!;
        Assert.That(e.Problem.Field, Is.EqualTo(field), e.Message);
        Assert.That(e.Problem.Source, Is.EqualTo(path));
        Assert.That(e.Message, Does.Not.Contain('\n'));
        Assert.That(e.Message, Does.StartWith($"{path}: {field}: expected "));
        Assert.That(e.Message, Does.Contain("dotnet pwsh build.ps1 data"));
        return e;
    }

    static byte[] With(byte[] bytes, int at, byte value)
    {
        var copy = (byte[])bytes.Clone();
        copy[at] = value;
        return copy;
    }

    static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    static byte[] LittleEndian(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    // ---- good files ----

    [TestCase(CompressionLevel.NoCompression)]
    [TestCase(CompressionLevel.Fastest)]
    [TestCase(CompressionLevel.Optimal)]
    [TestCase(CompressionLevel.SmallestSize)]
    public void GzippedFileReadsAsItsRawCopy(CompressionLevel level)
    {
        var images = SyntheticDataFiles.IdxImages(100, 28, 28); // 78 KB: many reads of the inflater, and stored, fixed and dynamic blocks
        var labels = SyntheticDataFiles.IdxLabels(SyntheticDataFiles.CyclicLabels(100));
        string rawImages = _files.Write("images", images), rawLabels = _files.Write("labels", labels);
        File.WriteAllBytes(_files.PathOf("images.gz"), SyntheticDataFiles.Gzip(images, level));
        File.WriteAllBytes(_files.PathOf("labels.gz"), SyntheticDataFiles.Gzip(labels, level));
        var fromRaw = IdxReader.ReadImages(rawImages, 28, 28, "");
        // SequenceEqual: NUnit's element-by-element comparison takes most of a second on 78 KB.
        Assert.That(fromRaw.AsSpan().SequenceEqual(images.AsSpan(16)), "raw images as written");
        Assert.That(IdxReader.ReadImages(_files.PathOf("images.gz"), 28, 28, "").AsSpan().SequenceEqual(fromRaw), "gzipped images as raw");
        Assert.That(IdxReader.ReadLabels(_files.PathOf("labels.gz"), 10, ""), Is.EqualTo(IdxReader.ReadLabels(rawLabels, 10, "")));
    }

    /// <summary>FTEXT 0x01, FHCRC 0x02, FEXTRA 0x04, FNAME 0x08, FCOMMENT 0x10: each optional field is skipped, and the header CRC checked.</summary>
    [TestCase(0x08)]
    [TestCase(0x02)]
    [TestCase(0x0A)]
    [TestCase(0x1F)]
    public void OptionalHeaderFieldsAreSkipped(int flags)
    {
        var header = new List<byte> { 0x1F, 0x8B, 8, (byte)flags, 0x78, 0x56, 0x34, 0x12, 2, 3 };
        if ((flags & 0x04) != 0) header.AddRange([5, 0, (byte)'A', (byte)'B', 3, 0, 0]);
        if ((flags & 0x08) != 0) header.AddRange([.. "train-images-idx3-ubyte"u8, 0]);
        if ((flags & 0x10) != 0) header.AddRange([.. "made for a test"u8, 0]);
        if ((flags & 0x02) != 0) header.AddRange(LittleEndian(SyntheticDataFiles.ZlibCrc32([.. header]))[..2]);
        Assert.That(Read(Member(Deflate(Content), header: [.. header])), Is.EqualTo(Content[16..]));
    }

    [Test]
    public void MembersThatEndWhereTheyShouldAreFoundExactly()
    {
        // A stored block's end is byte-exact: the reader must see its trailer right after it, not an inflater's read-ahead.
        var content = Content;
        var stored = Concat([0x01], LittleEndian((uint)content.Length)[..2], LittleEndian(~(uint)content.Length)[..2], content);
        Assert.That(Read(Member(stored)), Is.EqualTo(content[16..]));
    }

    // ---- the header ----

    [Test]
    public void RawBytesNamedGzAreNotGzip()
    {
        var e = Fails(Content, "gzip magic");
        Assert.That((e.Problem.Expected, e.Problem.Found), Is.EqualTo(("1F 8B", "00 00")));
    }

    [Test]
    public void OnlyDeflateIsAccepted() =>
        Assert.That(Fails(With(SyntheticDataFiles.Gzip(Content), 2, 7), "gzip compression method").Problem.Found, Is.EqualTo("7"));

    [TestCase(0x20)]
    [TestCase(0x80)]
    public void ReservedFlagsAreRefused(int flags) =>
        Assert.That(Fails(With(SyntheticDataFiles.Gzip(Content), 3, (byte)flags), "gzip flags").Problem.Found, Is.EqualTo($"0x{flags:X2}"));

    [Test]
    public void ShortHeaderIsRefused()
    {
        Assert.That(Fails(SyntheticDataFiles.Gzip(Content)[..6], "gzip header").Problem.Found, Is.EqualTo("a file of 6 bytes"));
        Assert.That(Fails([], "gzip header").Problem.Found, Is.EqualTo("a file of 0 bytes"));
    }

    [Test]
    public void FileNameRunningToTheEndIsRefused()
    {
        byte[] gz = [0x1F, 0x8B, 8, 0x08, 0, 0, 0, 0, 0, 3, .. "train-images"u8];
        Assert.That(Fails(gz, "gzip header").Problem.Found, Does.Contain("file name (FNAME)"));
    }

    [Test]
    public void ExtraFieldLongerThanTheFileIsRefused()
    {
        byte[] gz = [0x1F, 0x8B, 8, 0x04, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF, 1, 2, 3];
        Assert.That(Fails(gz, "gzip header").Problem.Found, Does.Contain("extra field (FEXTRA)"));
    }

    [Test]
    public void WrongHeaderCrcIsRefused()
    {
        byte[] header = [0x1F, 0x8B, 8, 0x02, 0, 0, 0, 0, 0, 3, 0, 0];
        uint crc = SyntheticDataFiles.ZlibCrc32(header[..10]);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(10), (ushort)(crc + 1));
        var e = Fails(Member(Deflate(Content), header: header), "gzip header CRC-16");
        Assert.That(e.Problem.Found, Does.Contain($"0x{(ushort)crc:X4}"));
    }

    // ---- the deflate data ----

    [Test]
    public void CorruptDeflateDataIsNamed()
    {
        // 0x07: a final block of the reserved type 3, refused by the inflater at its first byte.
        var e = Fails(Member([0x07, 0, 0, 0]), "deflate stream");
        Assert.That(e.Problem.Expected, Is.EqualTo("valid deflate data"));
        Assert.That(e.Message, Does.Not.Contain("unsupported compression method"));
    }

    [Test]
    public void CorruptDeflateDataAfterTheIdxHeaderIsNamed()
    {
        // A stored block holding the IDX header, then a stored block whose length check (NLEN = ~LEN) fails.
        var content = Content;
        var deflate = Concat([0x00, 16, 0, 0xEF, 0xFF], content[..16], [0x01, 0x10, 0x00, 0x10, 0x00], content[16..]);
        Fails(Member(deflate), "deflate stream");
    }

    [Test]
    public void MoreDataThanTheHeaderDeclaresIsRefused()
    {
        var e = Fails(Member(Deflate([.. Content, 1, 2, 3])), "deflate stream");
        Assert.That((e.Problem.Expected, e.Problem.Found), Is.EqualTo(($"{LengthText} as the header declares", "more")));
    }

    [Test]
    public void LessDataThanTheHeaderDeclaresIsRefused()
    {
        var e = Fails(Member(Deflate(Content[..^100])), "deflate stream");
        Assert.That(e.Problem.Found, Is.EqualTo("2268 bytes"));
    }

    // ---- the trailer and the file's end ----

    [Test]
    public void NoRoomForTheTrailerIsRefused()
    {
        var e = Fails([.. SyntheticDataFiles.PlainGzipHeader(), 0xFF, 0xFF, 0xFF, 0xFF], "gzip trailer");
        Assert.That(e.Problem.Found, Is.EqualTo("4 bytes"));
    }

    [Test]
    public void ShortTrailerIsRefused()
    {
        // The CRC-32 is missing; the last four bytes are still the length, so only the member's end shows the fault.
        var e = Fails(Concat(SyntheticDataFiles.PlainGzipHeader(), Deflate(Content), LittleEndian((uint)ContentLength)), "gzip trailer");
        Assert.That(e.Problem.Found, Is.EqualTo("4 bytes"));
    }

    [Test]
    public void FileEndingInsideTheDeflateDataIsRefused()
    {
        // A non-final stored block of the whole content, then only the 4 length bytes 40 09 00 00: the inflater reads
        // them as the next block's header (stored, LEN = 9) and runs out of file before its NLEN.
        var content = Content;
        var gz = Concat(SyntheticDataFiles.PlainGzipHeader(), [0x00], LittleEndian((uint)content.Length)[..2],
            LittleEndian(~(uint)content.Length)[..2], content, LittleEndian((uint)ContentLength));
        Assert.That(Fails(gz, "gzip trailer").Problem.Found, Is.EqualTo("the file ends inside the deflate data"));
    }

    [Test]
    public void TruncatedDownloadIsRefused() => Fails(SyntheticDataFiles.Gzip(Content)[..^20], "gzip size");

    [Test]
    public void WrongCrcIsRefused()
    {
        var gz = SyntheticDataFiles.Gzip(Content);
        var e = Fails(With(gz, gz.Length - 8, (byte)~gz[^8]), "gzip CRC-32");
        Assert.That(e.Problem.Found, Is.EqualTo($"0x{SyntheticDataFiles.ZlibCrc32(Content):X8} for the decompressed bytes"));
    }

    [Test]
    public void WrongLengthInTheTrailerIsRefused()
    {
        var e = Fails(Member(Deflate(Content), length: (uint)ContentLength + 1), "gzip size");
        Assert.That((e.Problem.Expected, e.Problem.Found), Is.EqualTo(($"{LengthText} as the header declares", "2369 bytes in the gzip trailer")));
    }

    [TestCase(1)]
    [TestCase(4)]
    [TestCase(5)]
    [TestCase(100)]
    [TestCase(20000)]
    public void DataAfterTheMemberIsCountedExactly(int junk)
    {
        // The junk ends in the right length, so that only the member's end can tell it apart from a trailer.
        var gz = SyntheticDataFiles.Gzip(Content);
        var e = Fails(Concat(gz, new byte[junk], LittleEndian((uint)ContentLength)), "data after the gzip member");
        Assert.That(e.Problem.Expected, Is.EqualTo($"the file to end with the member's trailer, at byte {gz.Length}"));
        Assert.That(e.Problem.Found, Is.EqualTo($"{junk + 4} more bytes"));
    }

    [Test]
    public void SecondMemberIsRefused()
    {
        var gz = SyntheticDataFiles.Gzip(Content);
        var e = Fails(Concat(gz, gz), "data after the gzip member");
        Assert.That(e.Problem.Found, Is.EqualTo($"{gz.Length} more bytes: a second gzip member (only files of one member are read)"));
    }

    // ---- what the IDX header declares ----

    [Test]
    public void ShortContentIsAHeaderFault() =>
        Assert.That(Fails(SyntheticDataFiles.Gzip(Content[..10]), "header length").Problem.Found, Is.EqualTo("10 bytes after decompression"));

    // ---- bombs ----

    /// <summary>The IDX header of <paramref name="count"/> 28×28 images, then <paramref name="zeroMebibytes"/> MiB of zeros, in a trailer giving <paramref name="length"/>.</summary>
    static byte[] Bomb(int count, int zeroMebibytes, uint length)
    {
        var header = SyntheticDataFiles.IdxImages(0, 28, 28);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), count);
        return SyntheticDataFiles.GzipMember(SyntheticDataFiles.PlainGzipHeader(), SyntheticDataFiles.ZeroBomb(header, zeroMebibytes), crc: 0, length);
    }

    [Test]
    public void BombBuilderExpandsAsItSays()
    {
        using var inflater = new DeflateStream(new MemoryStream(SyntheticDataFiles.ZeroBomb([1, 2, 3], 3)), CompressionMode.Decompress);
        var expanded = new MemoryStream();
        inflater.CopyTo(expanded);
        Assert.That(expanded.Length, Is.EqualTo(3 + 3 * (1 << 20)));
        Assert.That(expanded.ToArray()[..4], Is.EqualTo(new byte[] { 1, 2, 3, 0 }));
    }

    /// <summary>
    /// Each kind of bomb fails at once, having allocated nothing large: 4100 MiB of zeros (4 MB compressed) behind a header
    /// of 3 images, with an honest trailer or one forged to match the header; a header declaring 1.5 GB in a file that
    /// cannot expand to it; a header declaring more than an array holds.
    /// </summary>
    [TestCase(Images, 4100, unchecked((uint)(16L + 4100L * 1048576)), "gzip size", TestName = "{m}(4 GB, honest trailer)")]
    [TestCase(Images, 4100, (uint)ContentLength, "deflate stream", TestName = "{m}(4 GB, trailer forged to match the header)")]
    [TestCase(2_000_000, 1, 16u + 2_000_000u * 784, "file length", TestName = "{m}(header declaring 1.5 GB)")]
    [TestCase(6_000_000, 1, 0u, "item count", TestName = "{m}(header declaring 4.7 GB)")]
    public void GzipBombFailsAtOnce(int count, int zeroMebibytes, uint trailerLength, string field)
    {
        var bomb = Bomb(count, zeroMebibytes, trailerLength);
        Assert.That(bomb.Length, Is.LessThan(8_000_000));
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = Fails(bomb, field);
        watch.Stop();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore, Is.LessThan(64L << 20), "managed bytes allocated");
        Assert.That(watch.ElapsedMilliseconds, Is.LessThan(1000), e.Message);
    }

    [Test]
    public void HugeItemCountIsRefusedBeforeAnyArithmeticOverflows()
    {
        var content = Content;
        BinaryPrimitives.WriteInt32BigEndian(content.AsSpan(4), int.MaxValue);
        var e = Fails(SyntheticDataFiles.Gzip(content), "item count");
        Assert.That(e.Problem.Found, Is.EqualTo(int.MaxValue.ToString()));
    }
}
