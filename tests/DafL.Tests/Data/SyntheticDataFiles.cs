using System.Buffers.Binary;
using System.IO.Compression;

namespace DafL.Tests.Data;

/// <summary>Writes small dataset files into a temporary folder, so that tests never need the real data or the network.</summary>
public sealed class SyntheticDataFiles : IDisposable
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "dafl-data-tests", Guid.NewGuid().ToString("N"));

    public SyntheticDataFiles() => Directory.CreateDirectory(Folder);

    public string PathOf(string name) => Path.Combine(Folder, name);

    /// <summary>Writes <paramref name="bytes"/> as <paramref name="name"/>, gzipped (and named .gz) when asked.</summary>
    public string Write(string name, byte[] bytes, bool gzip = false)
    {
        string path = PathOf(gzip ? name + ".gz" : name);
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return path;
        }
        File.WriteAllBytes(path, Gzip(bytes));
        return path;
    }

    /// <summary>
    /// <paramref name="bytes"/> as GZipStream writes them: a 10-byte header (no optional fields), deflate data, then the
    /// trailer (CRC-32 and length, little-endian).
    /// </summary>
    public static byte[] Gzip(byte[] bytes, CompressionLevel level = CompressionLevel.Fastest)
    {
        var output = new MemoryStream();
        using (var stream = new GZipStream(output, level, leaveOpen: true)) stream.Write(bytes);
        return output.ToArray();
    }

    /// <summary>The CRC-32 of <paramref name="bytes"/> as zlib computes it, read from their gzip's trailer: a reference independent of the reader's.</summary>
    public static uint ZlibCrc32(byte[] bytes) => BinaryPrimitives.ReadUInt32LittleEndian(Gzip(bytes).AsSpan(^8));

    /// <summary>A gzip member from its parts: <paramref name="header"/> (10 bytes or more), raw deflate data, then the trailer given.</summary>
    public static byte[] GzipMember(byte[] header, byte[] deflate, uint crc, uint length)
    {
        var bytes = new byte[header.Length + deflate.Length + 8];
        header.CopyTo(bytes, 0);
        deflate.CopyTo(bytes, header.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(^8), crc);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(^4), length);
        return bytes;
    }

    /// <summary>The 10-byte gzip header GZipStream writes: magic, method 8, no flags, no time, no extra flags, OS unknown.</summary>
    public static byte[] PlainGzipHeader() => [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF];

    /// <summary>
    /// Deflate data that expands to <paramref name="prefix"/> and then <paramref name="zeroMebibytes"/> MiB of zeros, in about
    /// a thousandth of that, made in milliseconds: one MiB of zeros is compressed once and its blocks (ended by a sync
    /// flush, so byte-aligned, not final and referring to nothing before them) are repeated, then an empty final block ends it.
    /// </summary>
    public static byte[] ZeroBomb(byte[] prefix, int zeroMebibytes)
    {
        var zeros = FlushedDeflateBlocks(new byte[1 << 20]);
        var output = new MemoryStream();
        output.Write(FlushedDeflateBlocks(prefix));
        for (int i = 0; i < zeroMebibytes; i++) output.Write(zeros);
        output.Write([0x03, 0x00]); // BFINAL = 1, fixed Huffman codes, end of block at once
        return output.ToArray();
    }

    static byte[] FlushedDeflateBlocks(byte[] bytes)
    {
        var output = new MemoryStream();
        var deflate = new DeflateStream(output, CompressionLevel.SmallestSize, leaveOpen: true);
        deflate.Write(bytes);
        deflate.Flush();
        var blocks = output.ToArray(); // before Dispose writes the final block
        deflate.Dispose();
        return blocks;
    }

    /// <summary>Pixel n of image i: a pattern that differs between images, rows and columns.</summary>
    public static byte Pixel(int image, int offset) => (byte)(image * 31 + offset * 7 + offset / 28);

    /// <summary>An IDX3 image file: big-endian magic, count, rows, cols, then the pixels.</summary>
    public static byte[] IdxImages(int count, int rows, int cols, int magic = 2051)
    {
        var bytes = new byte[16 + count * rows * cols];
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(0), magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
        for (int i = 0; i < count; i++)
            for (int p = 0; p < rows * cols; p++) bytes[16 + i * rows * cols + p] = Pixel(i, p);
        return bytes;
    }

    /// <summary>An IDX1 label file: big-endian magic, count, then the labels.</summary>
    public static byte[] IdxLabels(byte[] labels, int magic = 2049)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(0), magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), labels.Length);
        labels.CopyTo(bytes, 8);
        return bytes;
    }

    /// <summary>Labels 0, 1, …, 9, 0, 1, … for <paramref name="count"/> items.</summary>
    public static byte[] CyclicLabels(int count, int classes = 10) => [.. Enumerable.Range(0, count).Select(i => (byte)(i % classes))];

    /// <summary>
    /// CIFAR binary records: the given label bytes of each record, then 3072 pixel bytes where pixel p of record r
    /// is (r · 5 + p + tag) mod 256, so every file and record is recognisable.
    /// </summary>
    public static byte[] CifarRecords(byte[][] recordLabels, int tag)
    {
        int labelBytes = recordLabels[0].Length, recordBytes = labelBytes + 3072;
        var bytes = new byte[recordLabels.Length * recordBytes];
        for (int r = 0; r < recordLabels.Length; r++)
        {
            recordLabels[r].CopyTo(bytes, r * recordBytes);
            for (int p = 0; p < 3072; p++) bytes[r * recordBytes + labelBytes + p] = CifarPixel(r, p, tag);
        }
        return bytes;
    }

    public static byte CifarPixel(int record, int offset, int tag) => (byte)(record * 5 + offset + tag);

    public void Dispose()
    {
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
    }
}
