using System.Diagnostics;
using System.Globalization;
using DafL.Errors;

namespace DafL.IO;

/// <summary>
/// Writes a file through a temporary sibling "<c>name.tmp-PID</c>" and a rename, so a crash never leaves a
/// half-written file. A process killed during a write (kill -9, a power cut) leaves its temporary sibling behind;
/// <see cref="RemoveStaleTemps"/> and <see cref="RemoveStaleTempsIn"/> clear those of processes that are gone.
/// </summary>
public static class AtomicFile
{
    const string TempMarker = ".tmp-";

    /// <summary>
    /// Writes <paramref name="path"/> through a temporary sibling. What is at <paramref name="path"/> must be a regular
    /// file or nothing: a rename would replace a symbolic link, a device or a FIFO instead of writing through it.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        CheckReplaceable(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = TempOf(full, Environment.ProcessId);
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, leaveOpen: true); w.Write(text); });

    /// <summary>Throws <see cref="InputException"/> naming <paramref name="path"/> unless it is a regular file or nothing.</summary>
    public static void CheckReplaceable(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new InputException("(empty path)", "", "the path of a file to write", "an empty path");
        if (InputFile.ExistingKind(path) is { } found and not InputFile.RegularFile)
            throw new InputException(path, "", "a regular file to replace, or no file", found);
    }

    /// <summary>Removes the temporary siblings of <paramref name="path"/> that processes no longer alive left behind.</summary>
    public static void RemoveStaleTemps(string path)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder)) return;
        RemoveStale(Directory.EnumerateFiles(folder, Path.GetFileName(full) + TempMarker + "*"));
    }

    /// <summary>Removes every temporary file in <paramref name="folder"/> that a process no longer alive left behind.</summary>
    public static void RemoveStaleTempsIn(string folder)
    {
        if (Directory.Exists(folder)) RemoveStale(Directory.EnumerateFiles(folder, "*" + TempMarker + "*"));
    }

    static string TempOf(string full, int pid) => full + TempMarker + pid.ToString(CultureInfo.InvariantCulture);

    static void RemoveStale(IEnumerable<string> candidates)
    {
        foreach (var file in candidates.ToList())
        {
            var name = Path.GetFileName(file);
            int marker = name.LastIndexOf(TempMarker, StringComparison.Ordinal);
            // Only names this class makes ("name.tmp-" and a process id), and only regular files: a link is not ours.
            if (marker <= 0 || !int.TryParse(name.AsSpan(marker + TempMarker.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            if (IsAlive(pid) || InputFile.ExistingKind(file) != InputFile.RegularFile) continue;
            File.Delete(file);
        }
    }

    /// <summary>Whether a process with this id runs (its write may be under way). A reused id keeps a file: harmless.</summary>
    static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false; // it exited while being looked at
        }
    }
}
