using System.Buffers.Binary;

namespace DafL.Data;

/// <summary>
/// The CRC-32 of gzip (RFC 1952 §8) and zlib: the reflected polynomial 0xEDB88320, the register started and finished
/// inverted. Eight bytes a step ("slicing-by-8": table k gives a byte's effect k bytes further on), since one table
/// lookup a byte costs as much as the inflating; a few lines here rather than a package dependency for one checksum.
/// </summary>
internal static class Crc32
{
    static readonly uint[] Tables = BuildTables();

    /// <summary>The CRC-32 of the bytes already hashed (whose CRC-32 is <paramref name="crc"/>, 0 for none) followed by <paramref name="bytes"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> bytes)
    {
        ReadOnlySpan<uint> t = Tables;
        uint register = ~crc;
        for (; bytes.Length >= 8; bytes = bytes[8..])
        {
            uint low = register ^ BinaryPrimitives.ReadUInt32LittleEndian(bytes), high = BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]);
            register = t[7 * 256 + (byte)low] ^ t[6 * 256 + (byte)(low >> 8)] ^ t[5 * 256 + (byte)(low >> 16)] ^ t[4 * 256 + (int)(low >> 24)]
                ^ t[3 * 256 + (byte)high] ^ t[2 * 256 + (byte)(high >> 8)] ^ t[256 + (byte)(high >> 16)] ^ t[(int)(high >> 24)];
        }
        foreach (byte b in bytes) register = t[(byte)(register ^ b)] ^ (register >> 8);
        return ~register;
    }

    static uint[] BuildTables()
    {
        var tables = new uint[8 * 256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int bit = 0; bit < 8; bit++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            tables[n] = c;
        }
        for (int k = 1; k < 8; k++)
            for (int n = 0; n < 256; n++)
            {
                uint previous = tables[(k - 1) * 256 + n];
                tables[k * 256 + n] = (previous >> 8) ^ tables[(byte)previous];
            }
        return tables;
    }
}
