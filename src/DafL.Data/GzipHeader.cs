using System.Buffers.Binary;

namespace DafL.Data;

/// <summary>
/// Reads and checks the header of a gzip member (RFC 1952 §2.3) at the start of a file: magic 1F 8B, compression
/// method 8 (deflate), flags with the reserved bits clear, then the optional extra field, file name, comment and
/// header CRC that the flags announce. Each fault is its own field of a <see cref="DataFormatException"/>.
/// </summary>
internal static class GzipHeader
{
    const int FixedBytes = 10;
    const byte Deflate = 8;
    const byte HeaderCrcFlag = 0x02, ExtraFlag = 0x04, NameFlag = 0x08, CommentFlag = 0x10, ReservedFlags = 0xE0;

    /// <summary>Makes the exception for a fault: field, expected, found.</summary>
    public delegate DataFormatException Fault(string field, string expected, string found);

    /// <summary>Reads the header from the start of <paramref name="file"/>, <paramref name="length"/> bytes long; returns its length, where the deflate data starts.</summary>
    public static long Read(FileStream file, long length, Fault fault)
    {
        Span<byte> fixedPart = stackalloc byte[FixedBytes];
        int available = (int)Math.Min(FixedBytes, length);
        file.ReadExactly(fixedPart[..available]);
        if (available >= 2 && (fixedPart[0] != 0x1F || fixedPart[1] != 0x8B))
            throw fault("gzip magic", "1F 8B", $"{fixedPart[0]:X2} {fixedPart[1]:X2}");
        if (available < FixedBytes)
            throw fault("gzip header", $"a {FixedBytes}-byte gzip header", $"a file of {length} bytes");
        if (fixedPart[2] != Deflate)
            throw fault("gzip compression method", $"{Deflate} (deflate)", fixedPart[2].ToString());
        byte flags = fixedPart[3];
        if ((flags & ReservedFlags) != 0)
            throw fault("gzip flags", $"the reserved bits (0x{ReservedFlags:X2}) clear", $"0x{flags:X2}");

        var header = new Cursor(file, length, fault, FixedBytes, Crc32.Append(0, fixedPart));
        Span<byte> twoBytes = stackalloc byte[2];
        if ((flags & ExtraFlag) != 0)
        {
            header.Read(twoBytes, "extra field length (FEXTRA)");
            header.Skip(BinaryPrimitives.ReadUInt16LittleEndian(twoBytes), "extra field (FEXTRA)");
        }
        if ((flags & NameFlag) != 0) header.SkipZeroTerminated("file name (FNAME)");
        if ((flags & CommentFlag) != 0) header.SkipZeroTerminated("comment (FCOMMENT)");
        if ((flags & HeaderCrcFlag) != 0)
        {
            // FHCRC holds the low 16 bits of the CRC-32 of every header byte before it.
            ushort computed = (ushort)header.Crc;
            header.Read(twoBytes, "header CRC (FHCRC)");
            ushort recorded = BinaryPrimitives.ReadUInt16LittleEndian(twoBytes);
            if (recorded != computed)
                throw fault("gzip header CRC-16", $"0x{recorded:X4} as the header records", $"0x{computed:X4} for the header's bytes");
        }
        return header.Position;
    }

    /// <summary>Reads the variable part of the header, keeping its CRC and refusing to run past the file's end.</summary>
    sealed class Cursor(FileStream file, long length, Fault fault, long position, uint crc)
    {
        public long Position { get; private set; } = position;
        public uint Crc { get; private set; } = crc;

        public void Read(Span<byte> into, string part)
        {
            if (length - Position < into.Length)
                throw fault("gzip header", "a complete gzip header", $"the file ends inside its {part}, at byte {length}");
            file.ReadExactly(into);
            Crc = Crc32.Append(Crc, into);
            Position += into.Length;
        }

        public void Skip(int count, string part)
        {
            Span<byte> chunk = stackalloc byte[256];
            for (int left = count; left > 0; left -= chunk.Length)
                Read(chunk[..Math.Min(left, chunk.Length)], part);
        }

        public void SkipZeroTerminated(string part)
        {
            Span<byte> one = stackalloc byte[1];
            do Read(one, part);
            while (one[0] != 0);
        }
    }
}
