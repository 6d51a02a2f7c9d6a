namespace DafL.Data;

/// <summary>Finds a dataset file, stored raw or gzipped, turning an absent one into a <see cref="DataFormatException"/>.</summary>
public static class DataFile
{
    /// <summary>
    /// The path of <paramref name="fileName"/> in <paramref name="folder"/>, or of <paramref name="fileName"/>.gz when only
    /// the compressed copy is there (the raw name wins when both are, even when it is not a regular file: the reader
    /// then refuses it by name rather than reading the other).
    /// </summary>
    public static string Find(string folder, string fileName, string fetchHint)
    {
        CheckFolder(folder, fetchHint);
        string raw = Path.Combine(folder, fileName);
        if (Path.Exists(raw)) return raw;
        string gz = raw + ".gz";
        if (Path.Exists(gz)) return gz;
        throw new DataFormatException(raw, "file", $"{fileName} or {fileName}.gz", "neither exists", fetchHint);
    }

    /// <summary>Finds <paramref name="fileName"/> exactly (no .gz alternative).</summary>
    public static string FindExact(string folder, string fileName, string fetchHint)
    {
        CheckFolder(folder, fetchHint);
        string path = Path.Combine(folder, fileName);
        if (Path.Exists(path)) return path;
        throw new DataFormatException(path, "file", fileName, "no such file", fetchHint);
    }

    static void CheckFolder(string folder, string fetchHint)
    {
        if (!Directory.Exists(folder))
            throw new DataFormatException(folder, "folder", "an existing folder holding the dataset files", "no such folder", fetchHint);
    }
}
