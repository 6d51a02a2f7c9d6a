using System.Buffers.Binary;
using DafL.Errors;
using DafL.IO;

namespace DafL.PyTorch;

/// <summary>The checkpoint formats a classifier loads from, told apart by content (<see cref="CheckpointFormat.Detect"/>).</summary>
public enum CheckpointKind
{
    SafeTensors,
    /// <summary><c>torch.save</c> since PyTorch 1.6: a zip archive of <c>&lt;name&gt;/data.pkl</c> and <c>&lt;name&gt;/data/&lt;key&gt;</c>.</summary>
    PyTorchZip,
    /// <summary><c>torch.save</c> before 1.6 (or with <c>_use_new_zipfile_serialization=False</c>): pickles, then the storages.</summary>
    PyTorchLegacy,
}

/// <summary>
/// Which format a checkpoint is in, from its first bytes, never its name: the official DAFL scripts save files
/// called <c>teacher</c> and <c>student</c>, with no extension.
/// </summary>
public static class CheckpointFormat
{
    /// <summary>Torch's magic number, 0x1950a86a20f9469cfc6c, as the legacy format's first pickle holds it (LONG1, 10 bytes little-endian).</summary>
    static ReadOnlySpan<byte> LegacyMagic => [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

    public const string Expected =
        "safetensors (an 8-byte header length, then '{'), a PyTorch zip checkpoint ('PK\\x03\\x04') or a legacy PyTorch pickle (0x80, then torch's magic number)";

    public static CheckpointKind Detect(string path)
    {
        var (stream, length) = InputFile.OpenRead(path, "checkpoint");
        Span<byte> head = stackalloc byte[16];
        int n;
        using (stream) n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return Of(head[..n]) ?? throw new InputException(path, "format", Expected,
            n == 0 ? "an empty file" : $"a file of {length} bytes starting {Convert.ToHexString(head[..Math.Min(n, 8)])}");
    }

    /// <summary>The format of a file that starts with <paramref name="head"/> (its first 16 bytes, or all of a shorter file); null if none.</summary>
    public static CheckpointKind? Of(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("PK\x03\x04"u8)) return CheckpointKind.PyTorchZip;
        if (head.Length >= 2 + LegacyMagic.Length && head[0] == 0x80 && head[2..].StartsWith(LegacyMagic)) return CheckpointKind.PyTorchLegacy;
        if (head.Length >= 9 && BinaryPrimitives.ReadUInt64LittleEndian(head) > 0 && head[8] == (byte)'{') return CheckpointKind.SafeTensors;
        return null;
    }
}
