using System.IO.Compression;

namespace DafL.Data;

/// <summary>Finds a dataset file (stored raw or gzipped) and reads it whole, turning every failure into a <see cref="DataFormatException"/>.</summary>
public static class DataFile
{
    /// <summary>
    /// The path of <paramref name="fileName"/> in <paramref name="folder"/>, or of <paramref name="fileName"/>.gz when only
    /// the compressed copy is there (the raw file wins when both are).
    /// </summary>
    public static string Find(string folder, string fileName, string fetchHint)
    {
        if (!Directory.Exists(folder))
            throw new DataFormatException(folder, "folder", "an existing folder holding the dataset files", "no such folder", fetchHint);
        string raw = Path.Combine(folder, fileName);
        if (File.Exists(raw)) return raw;
        string gz = raw + ".gz";
        if (File.Exists(gz)) return gz;
        throw new DataFormatException(raw, "file", $"{fileName} or {fileName}.gz", "neither exists", fetchHint);
    }

    /// <summary>Finds <paramref name="fileName"/> exactly (no .gz alternative).</summary>
    public static string FindExact(string folder, string fileName, string fetchHint)
    {
        if (!Directory.Exists(folder))
            throw new DataFormatException(folder, "folder", "an existing folder holding the dataset files", "no such folder", fetchHint);
        string path = Path.Combine(folder, fileName);
        if (File.Exists(path)) return path;
        throw new DataFormatException(path, "file", fileName, "no such file", fetchHint);
    }

    /// <summary>The file's bytes, decompressed when its name ends in .gz.</summary>
    public static byte[] ReadAllBytes(string path, string fetchHint)
    {
        if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) return File.ReadAllBytes(path);
        try
        {
            using var file = File.OpenRead(path);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var bytes = new MemoryStream();
            gzip.CopyTo(bytes);
            return bytes.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, "gzip stream", "a complete gzip stream", $"a damaged one ({e.Message})", fetchHint, e);
        }
    }
}
