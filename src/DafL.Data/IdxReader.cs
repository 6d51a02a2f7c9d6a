using System.Buffers.Binary;

namespace DafL.Data;

/// <summary>
/// Reads the IDX files of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian header —
/// magic number 0x00000803 (2051: unsigned bytes, 3 dimensions) then item count, rows, columns for images;
/// 0x00000801 (2049: unsigned bytes, 1 dimension) then item count for labels — followed by the bytes.
/// Files may be raw or gzipped. Everything is checked; a bad file gives a <see cref="DataFormatException"/>.
/// </summary>
public static class IdxReader
{
    public const int ImagesMagic = 2051;
    public const int LabelsMagic = 2049;
    const int ImagesHeaderBytes = 16, LabelsHeaderBytes = 8;

    /// <summary>The images of an IDX3 file, (N, rows, cols) row-major, checked to be <paramref name="rows"/>×<paramref name="cols"/>.</summary>
    public static byte[] ReadImages(string path, int rows, int cols, string fetchHint)
    {
        var bytes = DataFile.ReadAllBytes(path, fetchHint);
        CheckHeader(path, bytes, ImagesMagic, ImagesHeaderBytes, fetchHint);
        int count = ReadInt(bytes, 4);
        CheckField(path, "row count", rows, ReadInt(bytes, 8), fetchHint);
        CheckField(path, "column count", cols, ReadInt(bytes, 12), fetchHint);
        CheckLength(path, bytes, ImagesHeaderBytes, count, (long)rows * cols, $"{count} × {rows} × {cols}", fetchHint);
        return bytes.AsSpan(ImagesHeaderBytes).ToArray();
    }

    /// <summary>The labels of an IDX1 file, each checked to be below <paramref name="classCount"/>.</summary>
    public static byte[] ReadLabels(string path, int classCount, string fetchHint)
    {
        var bytes = DataFile.ReadAllBytes(path, fetchHint);
        CheckHeader(path, bytes, LabelsMagic, LabelsHeaderBytes, fetchHint);
        int count = ReadInt(bytes, 4);
        CheckLength(path, bytes, LabelsHeaderBytes, count, 1, $"{count}", fetchHint);
        var labels = bytes.AsSpan(LabelsHeaderBytes).ToArray();
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= classCount)
                throw new DataFormatException(path, $"label value of item {i}", $"0 to {classCount - 1}", labels[i].ToString(), fetchHint);
        return labels;
    }

    static void CheckHeader(string path, byte[] bytes, int magic, int headerBytes, string fetchHint)
    {
        if (bytes.Length < headerBytes)
            throw new DataFormatException(path, "header length", $"{headerBytes} bytes", $"a file of {bytes.Length} bytes", fetchHint);
        int found = ReadInt(bytes, 0);
        if (found != magic)
            throw new DataFormatException(path, "magic number", $"{magic} (0x{magic:X8})", $"{found} (0x{found:X8})", fetchHint);
        if (ReadInt(bytes, 4) < 0)
            throw new DataFormatException(path, "item count", "a non-negative count", ReadInt(bytes, 4).ToString(), fetchHint);
    }

    static void CheckField(string path, string field, int expected, int found, string fetchHint)
    {
        if (found != expected)
            throw new DataFormatException(path, field, expected.ToString(), found.ToString(), fetchHint);
    }

    static void CheckLength(string path, byte[] bytes, int headerBytes, int count, long itemBytes, string itemsText, string fetchHint)
    {
        long expected = headerBytes + count * itemBytes;
        if (bytes.LongLength != expected)
            throw new DataFormatException(path, "file length",
                $"{expected} bytes ({headerBytes}-byte header + {itemsText} data bytes)", $"{bytes.LongLength} bytes", fetchHint);
    }

    static int ReadInt(byte[] bytes, int offset) => BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(offset, 4));
}
