using System.Buffers.Binary;
using System.IO.Compression;

namespace DafL.Data;

/// <summary>
/// A gzipped dataset file (RFC 1952) read as the bytes it decompresses to. It must be one gzip member: a header
/// (<see cref="GzipHeader"/>), deflate data that <see cref="DeflateStream"/> inflates, then an 8-byte trailer — the
/// CRC-32 and the length (mod 2^32) of the decompressed bytes — that ends the file. The length the reader's header
/// declares is checked against the trailer's length and against the most the deflate data can expand to before the
/// rest is allocated, and exactly that many bytes are inflated: a gzip bomb fails at once, having allocated nothing large.
/// </summary>
internal sealed class GzipFileContent : DataFileContent
{
    /// <summary>Deflate's largest expansion: a 258-byte match coded in 2 bits, 1032 bytes from one.</summary>
    const long MaxExpansion = 1032;
    const int TrailerBytes = 8;

    readonly FileStream _file;
    readonly long _length, _dataStart;
    readonly uint _trailerCrc, _trailerLength;
    readonly DeflateInput _input;
    readonly DeflateStream _inflater;
    uint _crc;
    long _inflated;

    public GzipFileContent(string path, FileStream file, long length, string fetchHint) : base(path, fetchHint)
    {
        _file = file;
        _length = length;
        _dataStart = GzipHeader.Read(file, length, (field, expected, found) => Fault(field, expected, found));
        if (length - _dataStart <= TrailerBytes)
            throw Fault("gzip trailer", $"deflate data and the {TrailerBytes}-byte trailer (CRC-32, length) after the {_dataStart}-byte header",
                $"{length - _dataStart} bytes");
        Span<byte> trailer = stackalloc byte[TrailerBytes];
        file.Position = length - TrailerBytes;
        file.ReadExactly(trailer);
        _trailerCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        _trailerLength = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        // The last byte before the trailer comes alone, so a member that ends where it should is seen to end exactly there.
        _input = new DeflateInput(file.SafeFileHandle, _dataStart, length, singleBytesFrom: length - TrailerBytes - 1);
        _inflater = new DeflateStream(_input, CompressionMode.Decompress);
    }

    public override void ReadHeader(Span<byte> header)
    {
        int read = Inflate(header);
        if (read == header.Length) return;
        ThrowIfCutOff();
        throw Fault("header length", $"{header.Length} bytes", $"{read} bytes after decompression");
    }

    public override byte[] ReadRest(long contentLength, string lengthText)
    {
        long compressed = _length - _dataStart - TrailerBytes;
        if (contentLength > compressed * MaxExpansion)
            throw Fault("file length", $"at least {(contentLength + MaxExpansion - 1) / MaxExpansion} bytes of deflate data to hold the {lengthText} the header declares",
                $"{compressed} bytes");
        if ((uint)contentLength != _trailerLength)
            throw Fault("gzip size", $"{lengthText} as the header declares", $"{_trailerLength} bytes in the gzip trailer");

        var rest = new byte[contentLength - _inflated];
        if (Inflate(rest) < rest.Length)
        {
            ThrowIfCutOff();
            throw Fault("deflate stream", $"{lengthText} as the header declares", $"{_inflated} bytes");
        }
        if (Inflate(stackalloc byte[1]) > 0) throw Fault("deflate stream", $"{lengthText} as the header declares", "more");
        ThrowIfCutOff();

        long memberEnd = DeflateEnd() + TrailerBytes;
        if (memberEnd > _length)
            throw Fault("gzip trailer", $"{TrailerBytes} bytes (CRC-32, length) after the deflate data", $"{TrailerBytes - (memberEnd - _length)} bytes");
        if (memberEnd < _length) throw DataAfterMember(memberEnd);
        if (_crc != _trailerCrc)
            throw Fault("gzip CRC-32", $"0x{_trailerCrc:X8} as the trailer records", $"0x{_crc:X8} for the decompressed bytes");
        return rest;
    }

    /// <summary>Inflates into <paramref name="into"/> until it is full or the deflate data ends; returns how many bytes came.</summary>
    int Inflate(Span<byte> into)
    {
        int filled = 0;
        try
        {
            while (filled < into.Length)
            {
                int read = _inflater.Read(into[filled..]);
                if (read == 0) break;
                filled += read;
            }
        }
        catch (InvalidDataException e)
        {
            throw Fault("deflate stream", "valid deflate data", $"data that does not decode, before byte {_input.Next} of the file", e);
        }
        _crc = Crc32.Append(_crc, into[..filled]);
        _inflated += filled;
        return filled;
    }

    void ThrowIfCutOff()
    {
        if (_input.RanOut)
            throw Fault("gzip trailer", $"the deflate data to end and the {TrailerBytes}-byte trailer (CRC-32, length) to follow",
                "the file ends inside the deflate data");
    }

    /// <summary>Where the deflate data ended, once the inflater has finished.</summary>
    long DeflateEnd()
    {
        if (_input.EndIsExact) return _input.Next;
        // The data ended inside the last stretch handed out, so something follows it before the trailer's place:
        // inflate again, one byte a read from that stretch on, to find exactly where (the first pass bounds the work).
        var input = new DeflateInput(_file.SafeFileHandle, _dataStart, _length, singleBytesFrom: _input.LastReadStart);
        using var inflater = new DeflateStream(input, CompressionMode.Decompress);
        // Read, not CopyTo: DeflateStream.CopyTo reads its source to the end whatever the deflate data says.
        Span<byte> discard = stackalloc byte[4096];
        while (inflater.Read(discard) > 0) { }
        return input.Next;
    }

    DataFormatException DataAfterMember(long memberEnd)
    {
        long extra = _length - memberEnd;
        Span<byte> next = stackalloc byte[2];
        bool secondMember = extra >= next.Length && RandomAccess.Read(_file.SafeFileHandle, next, memberEnd) == next.Length && next is [0x1F, 0x8B];
        return Fault("data after the gzip member", $"the file to end with the member's trailer, at byte {memberEnd}",
            secondMember ? $"{extra} more bytes: a second gzip member (only files of one member are read)" : $"{extra} more bytes");
    }

    public override void Dispose()
    {
        _inflater.Dispose();
        _file.Dispose();
    }
}
