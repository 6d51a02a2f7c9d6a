using System.Buffers.Binary;

namespace DafL.Data;

/// <summary>
/// Reads the IDX files of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian header —
/// magic number 0x00000803 (2051: unsigned bytes, 3 dimensions) then item count, rows, columns for images;
/// 0x00000801 (2049: unsigned bytes, 1 dimension) then item count for labels — followed by the bytes.
/// Files may be raw or gzipped. The header is read and checked first, and the length it declares is checked against
/// the file before the data is allocated; a bad file gives a <see cref="DataFormatException"/>.
/// </summary>
public static class IdxReader
{
    public const int ImagesMagic = 2051;
    public const int LabelsMagic = 2049;
    const int ImagesHeaderBytes = 16, LabelsHeaderBytes = 8;
    const string What = "file in IDX format";

    /// <summary>The images of an IDX3 file, (N, rows, cols) row-major, checked to be <paramref name="rows"/>×<paramref name="cols"/>.</summary>
    public static byte[] ReadImages(string path, int rows, int cols, string fetchHint)
    {
        using var content = DataFileContent.Open(path, What, fetchHint);
        Span<byte> header = stackalloc byte[ImagesHeaderBytes];
        content.ReadHeader(header);
        int count = CheckMagicAndCount(path, header, ImagesMagic, fetchHint);
        CheckField(path, "row count", rows, ReadInt(header, 8), fetchHint);
        CheckField(path, "column count", cols, ReadInt(header, 12), fetchHint);
        var (length, text) = DeclaredLength(path, ImagesHeaderBytes, count, (long)rows * cols, $"{count} × {rows} × {cols}", fetchHint);
        return content.ReadRest(length, text);
    }

    /// <summary>The labels of an IDX1 file, each checked to be below <paramref name="classCount"/>.</summary>
    public static byte[] ReadLabels(string path, int classCount, string fetchHint)
    {
        using var content = DataFileContent.Open(path, What, fetchHint);
        Span<byte> header = stackalloc byte[LabelsHeaderBytes];
        content.ReadHeader(header);
        int count = CheckMagicAndCount(path, header, LabelsMagic, fetchHint);
        var (length, text) = DeclaredLength(path, LabelsHeaderBytes, count, 1, $"{count}", fetchHint);
        var labels = content.ReadRest(length, text);
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= classCount)
                throw new DataFormatException(path, $"label value of item {i}", $"0 to {classCount - 1}", labels[i].ToString(), fetchHint);
        return labels;
    }

    /// <summary>The item count, once the magic number is right and the count is not negative.</summary>
    static int CheckMagicAndCount(string path, ReadOnlySpan<byte> header, int magic, string fetchHint)
    {
        int found = ReadInt(header, 0);
        if (found != magic)
            throw new DataFormatException(path, "magic number", $"{magic} (0x{magic:X8})", $"{found} (0x{found:X8})", fetchHint);
        int count = ReadInt(header, 4);
        if (count < 0)
            throw new DataFormatException(path, "item count", "a non-negative count", count.ToString(), fetchHint);
        return count;
    }

    static void CheckField(string path, string field, int expected, int found, string fetchHint)
    {
        if (found != expected)
            throw new DataFormatException(path, field, expected.ToString(), found.ToString(), fetchHint);
    }

    /// <summary>
    /// The length the header declares (header + count × item bytes) and its wording for messages. Worked out in
    /// 128 bits, since count × item bytes can pass 2^63; data larger than one array can hold is refused as such.
    /// </summary>
    static (long Length, string Text) DeclaredLength(string path, int headerBytes, int count, long itemBytes, string itemsText, string fetchHint)
    {
        Int128 dataBytes = (Int128)count * itemBytes;
        if (dataBytes > Array.MaxLength)
            throw new DataFormatException(path, "item count", $"at most {Array.MaxLength / itemBytes} items of {itemBytes} bytes (the largest array)",
                count.ToString(), fetchHint);
        long length = headerBytes + (long)dataBytes;
        return (length, $"{length} bytes ({headerBytes}-byte header + {itemsText} data bytes)");
    }

    static int ReadInt(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadInt32BigEndian(bytes.Slice(offset, 4));
}
