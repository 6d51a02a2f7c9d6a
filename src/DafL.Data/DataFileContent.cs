using DafL.IO;

namespace DafL.Data;

/// <summary>
/// What a dataset file holds — its bytes, or for a name ending in .gz the bytes its gzip member decompresses to —
/// read in two steps: a fixed-size header, then the rest, whose length the header declares. The declared length is
/// checked against the file (its length, or a gzip's trailer and compressed size) before the rest is allocated, so a
/// file can never make the reader allocate more than it can hold.
/// </summary>
internal abstract class DataFileContent(string path, string fetchHint) : IDisposable
{
    public string Path { get; } = path;

    /// <summary>Opens <paramref name="path"/> once <see cref="InputFile"/> has found it a regular file; <paramref name="what"/> names it ("IDX file").</summary>
    public static DataFileContent Open(string path, string what, string fetchHint)
    {
        var (stream, _) = InputFile.OpenRead(path, what);
        try
        {
            // The open handle's length, not InputFile's: for a symbolic link that is the link's own (FileInfo does not follow it).
            long length = stream.Length;
            return path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
                ? new GzipFileContent(path, stream, length, fetchHint)
                : new RawFileContent(path, stream, length, fetchHint);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Fills <paramref name="header"/> with the first bytes; content shorter than it is a "header length" fault.</summary>
    public abstract void ReadHeader(Span<byte> header);

    /// <summary>
    /// The content after the header, once the whole has been found to be <paramref name="contentLength"/> bytes as the
    /// header declares; <paramref name="lengthText"/> says so in messages ("2368 bytes (16-byte header + …)").
    /// </summary>
    public abstract byte[] ReadRest(long contentLength, string lengthText);

    public abstract void Dispose();

    protected DataFormatException Fault(string field, string expected, string found, Exception? inner = null) =>
        new(Path, field, expected, found, fetchHint, inner);
}
