using Microsoft.Win32.SafeHandles;

namespace DafL.Data;

/// <summary>
/// The bytes of a file from <c>start</c> to <c>end</c> as a read-only stream for <see cref="System.IO.Compression.DeflateStream"/>,
/// which reads ahead and never says where the deflate data ended — yet the gzip trailer, and whatever follows it, is
/// there. From <c>singleBytesFrom</c> on this stream hands out one byte a read: the inflater asks for input only when
/// it needs more, so when it finishes inside that stretch, <see cref="Next"/> is exactly where the deflate data ended.
/// </summary>
internal sealed class DeflateInput(SafeFileHandle file, long start, long end, long singleBytesFrom) : Stream
{
    /// <summary>The file offset of the next byte to hand out.</summary>
    public long Next { get; private set; } = start;

    /// <summary>Where the last read began: once the inflater has finished, its data ended after this and at or before <see cref="Next"/>.</summary>
    public long LastReadStart { get; private set; } = start;

    /// <summary>Whether the inflater asked for a byte past the end: the file ends inside the deflate data.</summary>
    public bool RanOut { get; private set; }

    /// <summary>Whether the last read handed out a single byte, which makes <see cref="Next"/> the exact end once the inflater has finished.</summary>
    public bool EndIsExact => LastReadStart >= singleBytesFrom;

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        if (Next >= end)
        {
            RanOut = true;
            return 0;
        }
        long available = Next < singleBytesFrom ? Math.Min(singleBytesFrom, end) - Next : 1;
        int read = RandomAccess.Read(file, buffer[..(int)Math.Min(buffer.Length, available)], Next);
        if (read == 0) throw new IOException($"The file became shorter than {end} bytes while it was read.");
        LastReadStart = Next;
        Next += read;
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Next; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
