using System.Text.Json;

namespace DafL.Training;

/// <summary>
/// Appends one JSON object per line (JSON Lines) to a metrics file and flushes each line, so a run killed at any
/// moment leaves a readable log up to its last completed record.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    readonly StreamWriter? _writer;
    static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <param name="path">File to append to; null makes a log that writes nothing.</param>
    public MetricsLog(string? path)
    {
        if (path == null) return;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    public void Write<T>(T record) => _writer?.WriteLine(JsonSerializer.Serialize(record, Options));

    public void Dispose() => _writer?.Dispose();
}
