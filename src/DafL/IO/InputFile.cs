using System.Runtime.InteropServices;
using DafL.Errors;

namespace DafL.IO;

/// <summary>
/// The checks every file the user names passes before it is opened: it exists, and it is a regular file (a symbolic
/// link to one is fine). A directory, a character or block device (<c>/dev/zero</c>), a FIFO or a socket is refused
/// by name: opening a FIFO blocks, and a device never ends. Readers then read at most the length found here, so a
/// file cannot make them allocate more than it holds.
/// </summary>
public static partial class InputFile
{
    /// <summary>The length of <paramref name="path"/>, a regular file; <paramref name="what"/> names it in errors ("safetensors file").</summary>
    public static long Check(string path, string what)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new InputException("(empty path)", "", $"the path of a {what}", "an empty path");
        if (Directory.Exists(path)) throw new InputException(path, "", $"a {what}", "a directory");
        if (!File.Exists(path)) throw new InputException(path, "", $"an existing {what}", "no such file");
        if (SpecialKind(path) is { } kind) throw new InputException(path, "", $"a regular {what}", kind);
        // A link's own FileInfo has the link's length; the reader reads the target.
        var info = new FileInfo(path);
        return (info.LinkTarget != null ? info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo : null)?.Length ?? info.Length;
    }

    /// <summary>Opens <paramref name="path"/> for reading after <see cref="Check"/>; returns the handle and the checked length.</summary>
    public static (FileStream Stream, long Length) OpenRead(string path, string what)
    {
        long length = Check(path, what);
        return (new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16), length);
    }

    /// <summary>What <see cref="ExistingKind"/> calls a regular file.</summary>
    public const string RegularFile = "a regular file";

    /// <summary>
    /// What is at <paramref name="path"/>, without following a link: null for nothing, "a symbolic link", "a directory",
    /// a special file's kind, or <see cref="RegularFile"/>. Writers ask it before they replace or append to a path.
    /// </summary>
    public static string? ExistingKind(string path)
    {
        var entry = new FileInfo(path);
        if (entry.LinkTarget != null) return "a symbolic link";
        if (Directory.Exists(path)) return "a directory";
        if (!entry.Exists) return null;
        return SpecialKind(path) ?? RegularFile;
    }

    /// <summary>What a path that is not a regular file is ("a character device"), or null for a regular file. Follows links.</summary>
    public static string? SpecialKind(string path)
    {
        int? mode = StatMode(path);
        return (mode & 0xF000) switch
        {
            null or 0x8000 => null,
            0x4000 => "a directory",
            0x2000 => "a character device",
            0x6000 => "a block device",
            0x1000 => "a FIFO (named pipe)",
            0xC000 => "a socket",
            var other => $"a special file (mode 0x{other:X})",
        };
    }

    /// <summary>st_mode from stat(2) on Linux x64 and arm64 (where .NET does not expose the file type); null elsewhere.</summary>
    static unsafe int? StatMode(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        int offset = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 24,   // st_dev, st_ino, st_nlink (8 bytes each), then st_mode
            Architecture.Arm64 => 16, // st_dev, st_ino, then st_mode
            _ => -1,
        };
        if (offset < 0) return null;
        byte* buffer = stackalloc byte[256]; // sizeof(struct stat) is 144 (x64) or 128 (arm64)
        if (Stat(path, buffer) != 0) return null; // not there, or not ours to see: File.Exists has already answered
        return (int)*(uint*)(buffer + offset);
    }

    [LibraryImport("libc.so.6", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Stat(string path, byte* buffer);
}
