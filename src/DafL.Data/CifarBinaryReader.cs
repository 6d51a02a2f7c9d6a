using DafL.IO;

namespace DafL.Data;

/// <summary>
/// Reads the "binary version" files of CIFAR-10 and CIFAR-100 (https://www.cs.toronto.edu/~kriz/cifar.html):
/// fixed-size records of one or more label bytes followed by a 32×32 colour image as 1024 red, 1024 green and
/// 1024 blue bytes (already (C, H, W) row-major).
/// </summary>
internal static class CifarBinaryReader
{
    public const int Channels = 3, Side = 32, ImageBytes = Channels * Side * Side;

    /// <summary>One label byte of a record: its name in messages and how many classes it has.</summary>
    public readonly record struct LabelField(string Name, int Classes);

    /// <summary>
    /// Reads <paramref name="records"/> records of <paramref name="fields"/> label bytes + 3072 pixel bytes, checks every
    /// label, and copies the pixels and the label field <paramref name="keptField"/> into the destinations at record
    /// <paramref name="firstRecord"/>. The file's length is checked first, then it is read a record at a time.
    /// </summary>
    public static void Read(string path, LabelField[] fields, int keptField, int records, string fetchHint,
        byte[] pixels, byte[] labels, int firstRecord)
    {
        int recordBytes = fields.Length + ImageBytes;
        var (file, _) = InputFile.OpenRead(path, "CIFAR binary file");
        using (file)
        {
            long length = file.Length; // the open handle's: InputFile's is a symbolic link's own length
            long expected = (long)records * recordBytes;
            if (length != expected)
                throw new DataFormatException(path, "file length",
                    $"{expected} bytes ({records} records of {fields.Length} label byte(s) + {ImageBytes} pixel bytes)",
                    $"{length} bytes", fetchHint);
            var record = new byte[recordBytes];
            for (int r = 0; r < records; r++)
            {
                file.ReadExactly(record);
                for (int f = 0; f < fields.Length; f++)
                    if (record[f] >= fields[f].Classes)
                        throw new DataFormatException(path, $"{fields[f].Name} of record {r}", $"0 to {fields[f].Classes - 1}", record[f].ToString(), fetchHint);
                labels[firstRecord + r] = record[keptField];
                record.AsSpan(fields.Length).CopyTo(pixels.AsSpan((firstRecord + r) * ImageBytes, ImageBytes));
            }
        }
    }
}
