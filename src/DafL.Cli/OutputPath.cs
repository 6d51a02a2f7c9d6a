using DafL.Errors;
using DafL.IO;

namespace DafL.Cli;

/// <summary>
/// The checks every path the user names for output passes before anything is loaded or trained, so that a run
/// cannot fail at its first save, an epoch later. The folder is created and a probe file is created in it (and
/// deleted on close): that is the one test that sees a read-only mount, /sys or /proc, a missing permission, a
/// path too long. A file output must be new or a regular file: writing by rename would replace a directory's
/// entry, a symbolic link or a device node given as the output, so those are refused by name. A folder output must
/// be new or a directory (a link to one is fine: a run folder on another disk), and not the file-system root.
/// </summary>
public static class OutputPath
{
    /// <summary>Checks <paramref name="path"/>, given by <paramref name="option"/>, as a folder to write a run into; creates it.</summary>
    public static void Folder(string path, string option)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new InputException(option, "", "a folder path", "an empty path");
        try
        {
            if (Path.GetDirectoryName(Path.GetFullPath(path)) == null)
                throw new InputException(option, "", "a folder of its own, not the file-system root", path);
            if (!Directory.Exists(path) && InputFile.ExistingKind(path) is { } kind)
                throw new InputException(option, "", "a folder (new or existing)", $"{path} ({kind})");
            Directory.CreateDirectory(path);
            Probe(path);
        }
        catch (Exception e) when (IsPathFailure(e))
        {
            throw new InputException(option, "", "a writable folder", $"{path} ({Reason(e)})", inner: e);
        }
    }

    /// <summary>Checks <paramref name="path"/>, given by <paramref name="option"/>, as a file to write; creates its folder.</summary>
    public static void File(string path, string option)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new InputException(option, "", "a file path", "an empty path");
        try
        {
            if (Path.GetFileName(path).Length == 0)
                throw new InputException(option, "", "a file path (new or a regular file)", $"{path} (a folder path)");
            if (InputFile.ExistingKind(path) is { } kind and not InputFile.RegularFile)
                throw new InputException(option, "", "a file path (new or a regular file)", $"{path} ({kind})");
            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            Directory.CreateDirectory(folder);
            Probe(folder);
        }
        catch (Exception e) when (IsPathFailure(e))
        {
            throw new InputException(option, "", "a file in a writable folder", $"{path} ({Reason(e)})", inner: e);
        }
    }

    /// <summary>Creates and deletes a file in <paramref name="folder"/>: whether this process may write there now.</summary>
    static void Probe(string folder)
    {
        var probe = Path.Combine(folder, $".dafl-write-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
        using var _ = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.DeleteOnClose);
    }

    static bool IsPathFailure(Exception e) => e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException;

    /// <summary>Why a path cannot be written, in a few words: .NET's messages repeat the path, and some name the wrong thing (a file for a folder).</summary>
    static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        PathTooLongException => "the path or a name in it is too long",
        DirectoryNotFoundException => "a part of the path is missing or not a folder",
        FileNotFoundException => "nothing can be created there",
        IOException io when io.Message.IndexOf(" : '", StringComparison.Ordinal) is > 0 and var end => io.Message[..end], // strerror, then the path
        IOException io => io.Message,
        _ => "not a valid path",
    };
}
