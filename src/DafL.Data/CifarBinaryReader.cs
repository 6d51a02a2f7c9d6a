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
    /// <paramref name="firstRecord"/>.
    /// </summary>
    public static void Read(string path, LabelField[] fields, int keptField, int records, string fetchHint,
        byte[] pixels, byte[] labels, int firstRecord)
    {
        int recordBytes = fields.Length + ImageBytes;
        var bytes = File.ReadAllBytes(path);
        long expected = (long)records * recordBytes;
        if (bytes.LongLength != expected)
            throw new DataFormatException(path, "file length",
                $"{expected} bytes ({records} records of {fields.Length} label byte(s) + {ImageBytes} pixel bytes)",
                $"{bytes.LongLength} bytes", fetchHint);
        for (int r = 0; r < records; r++)
        {
            int at = r * recordBytes;
            for (int f = 0; f < fields.Length; f++)
                if (bytes[at + f] >= fields[f].Classes)
                    throw new DataFormatException(path, $"{fields[f].Name} of record {r}", $"0 to {fields[f].Classes - 1}", bytes[at + f].ToString(), fetchHint);
            labels[firstRecord + r] = bytes[at + keptField];
            bytes.AsSpan(at + fields.Length, ImageBytes).CopyTo(pixels.AsSpan((firstRecord + r) * ImageBytes, ImageBytes));
        }
    }
}
