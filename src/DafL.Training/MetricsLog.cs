using System.Text.Json;
using DafL.IO;

namespace DafL.Training;

/// <summary>
/// Appends one JSON object per line (JSON Lines) to a metrics file and flushes each line, so a run killed at any
/// moment leaves a readable log up to its last completed record. A run that starts over or resumes first cuts the
/// log back to where it starts (<see cref="CutBackTo"/>), so that each epoch is in it once, in order.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    readonly string? _path;
    StreamWriter? _writer;
    static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <param name="path">File to append to (a regular file or none yet); null makes a log that writes nothing.</param>
    public MetricsLog(string? path)
    {
        if (path == null) return;
        AtomicFile.CheckReplaceable(path); // appending through a link or to a device would write elsewhere
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.RemoveStaleTemps(path);
        _path = path;
        _writer = Open(path);
    }

    public void Write<T>(T record) => _writer?.WriteLine(JsonSerializer.Serialize(record, Options));

    /// <summary>
    /// Keeps the records up to <paramref name="epoch"/> (1-based; 0 keeps none of the epochs) and drops the later ones
    /// and any line that is not a whole JSON object (the torn last line of a killed write), through a temporary file and
    /// a rename: what a killed run logged after its last checkpoint is logged again by the run that redoes it.
    /// Records without an epoch are kept.
    /// </summary>
    public void CutBackTo(int epoch)
    {
        if (_path == null) return;
        _writer!.Dispose();
        _writer = null;
        AtomicFile.Write(_path, stream =>
        {
            using var kept = new StreamWriter(stream, leaveOpen: true);
            foreach (var line in File.ReadLines(_path))
                if (Keeps(line, epoch)) kept.WriteLine(line);
        });
        _writer = Open(_path);
    }

    static bool Keeps(string line, int epoch)
    {
        try
        {
            using var record = JsonDocument.Parse(line);
            if (record.RootElement.ValueKind != JsonValueKind.Object) return false;
            return !record.RootElement.TryGetProperty("epoch", out var e) || (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int n) && n <= epoch);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    static StreamWriter Open(string path) =>
        new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };

    public void Dispose() => _writer?.Dispose();
}
