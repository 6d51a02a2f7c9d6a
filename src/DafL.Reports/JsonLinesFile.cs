using DafL.Errors;
using DafL.IO;

namespace DafL.Reports;

/// <summary>
/// Reads a JSON Lines log (one object a line, as <see cref="Training.MetricsLog"/> and the PyTorch reference write
/// them). Each record's source is "file line N". A last line without its line break is the torn write of a run
/// that was killed (or is still running): it is left out and said in <see cref="TornLastLine"/>; any other
/// malformed line is an <see cref="InputException"/>.
/// </summary>
public sealed class JsonLinesFile
{
    /// <summary>The largest log read: a 200-epoch run logs about 100 kB.</summary>
    public const long MaxBytes = 256L << 20;

    public IReadOnlyList<JsonRecord> Records { get; }
    public bool TornLastLine { get; }

    JsonLinesFile(IReadOnlyList<JsonRecord> records, bool torn) => (Records, TornLastLine) = (records, torn);

    public static JsonLinesFile Read(string path, string what)
    {
        long length = InputFile.Check(path, what);
        if (length > MaxBytes) throw new InputException(path, "", $"a {what} of at most {MaxBytes} bytes", $"{length} bytes");
        string text = File.ReadAllText(path);
        var lines = text.Split('\n');
        // Split leaves "" after a final line break; anything else there is a line that was not finished.
        string last = lines[^1];
        var records = new List<JsonRecord>();
        for (int i = 0; i < lines.Length - 1; i++)
            if (lines[i].Trim().Length > 0) records.Add(JsonRecord.Parse(lines[i], $"{path} line {i + 1}"));
        return new JsonLinesFile(records, last.Trim().Length > 0);
    }
}
