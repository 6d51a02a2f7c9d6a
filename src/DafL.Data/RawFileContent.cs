namespace DafL.Data;

/// <summary>An uncompressed dataset file: its content is its bytes, and the declared length must be the file's length.</summary>
internal sealed class RawFileContent(string path, FileStream file, long length, string fetchHint) : DataFileContent(path, fetchHint)
{
    public override void ReadHeader(Span<byte> header)
    {
        if (length < header.Length) throw Fault("header length", $"{header.Length} bytes", $"a file of {length} bytes");
        file.ReadExactly(header);
    }

    public override byte[] ReadRest(long contentLength, string lengthText)
    {
        if (length != contentLength) throw Fault("file length", lengthText, $"{length} bytes");
        var rest = new byte[contentLength - file.Position];
        file.ReadExactly(rest);
        return rest;
    }

    public override void Dispose() => file.Dispose();
}
