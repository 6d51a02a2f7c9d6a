using System.Buffers.Binary;
using System.Text;

namespace DafL.Tests.Fuzz;

/// <summary>
/// Seeded mutations of a file's bytes, the kinds a fuzzer and a damaged disk make: bit flips, bytes and words set to
/// boundary values, ranges deleted, duplicated or inserted, truncation, junk appended. <paramref name="focus"/> bytes
/// at the start (a header) get half of the mutations, so that a large data section does not take them all.
/// Deterministic: the same seed gives the same mutation on every machine.
/// </summary>
public sealed class Mutator(int seed)
{
    readonly System.Random _rng = new(seed);

    static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7F, 0x80, 0xFF, (byte)'"', (byte)'[', (byte)'{', (byte)'-', (byte)'9'];
    static readonly long[] InterestingWords = [0, 1, -1, 255, 256, 65535, 65536, int.MaxValue, int.MinValue, uint.MaxValue, 1L << 32, long.MaxValue, long.MinValue, 28, 32];

    public System.Random Random => _rng;

    /// <summary>A mutated copy of <paramref name="input"/> and what was done (for a failure's message).</summary>
    public (byte[] Bytes, string What) Mutate(byte[] input, int focus)
    {
        int Position(int length) => length == 0 ? 0 : _rng.Next(2) == 0 && focus > 0 ? _rng.Next(Math.Min(focus, length)) : _rng.Next(length);
        var bytes = (byte[])input.Clone();
        int at = Position(bytes.Length);
        switch (_rng.Next(9))
        {
            case 0:
            {
                int bits = 1 + _rng.Next(4);
                for (int i = 0; i < bits && bytes.Length > 0; i++) bytes[at] ^= (byte)(1 << _rng.Next(8));
                return (bytes, $"flip {bits} bit(s) of byte {at}");
            }
            case 1:
            {
                byte v = InterestingBytes[_rng.Next(InterestingBytes.Length)];
                if (bytes.Length > 0) bytes[at] = v;
                return (bytes, $"byte {at} = 0x{v:X2}");
            }
            case 2:
            {
                long v = InterestingWords[_rng.Next(InterestingWords.Length)];
                int width = _rng.Next(2) == 0 ? 4 : 8;
                bool big = _rng.Next(2) == 0;
                if (at + width > bytes.Length) return (bytes, "word past the end: unchanged");
                var span = bytes.AsSpan(at, width);
                if (width == 4 && big) BinaryPrimitives.WriteInt32BigEndian(span, (int)v);
                else if (width == 4) BinaryPrimitives.WriteInt32LittleEndian(span, (int)v);
                else if (big) BinaryPrimitives.WriteInt64BigEndian(span, v);
                else BinaryPrimitives.WriteInt64LittleEndian(span, v);
                return (bytes, $"{width}-byte {(big ? "big" : "little")}-endian word at {at} = {v}");
            }
            case 3:
            {
                int count = Math.Min(1 + _rng.Next(16), bytes.Length - at);
                return ([.. bytes.AsSpan(0, at), .. bytes.AsSpan(at + count)], $"delete {count} byte(s) at {at}");
            }
            case 4:
            {
                var junk = new byte[1 + _rng.Next(16)];
                _rng.NextBytes(junk);
                return ([.. bytes.AsSpan(0, at), .. junk, .. bytes.AsSpan(at)], $"insert {junk.Length} byte(s) at {at}");
            }
            case 5:
            {
                int count = Math.Min(1 + _rng.Next(64), bytes.Length - at);
                return ([.. bytes.AsSpan(0, at + count), .. bytes.AsSpan(at, count), .. bytes.AsSpan(at + count)], $"duplicate {count} byte(s) at {at}");
            }
            case 6:
                return (bytes[..at], $"truncate to {at} bytes");
            case 7:
            {
                var junk = new byte[1 + _rng.Next(64)];
                _rng.NextBytes(junk);
                return ([.. bytes, .. junk], $"append {junk.Length} byte(s)");
            }
            default:
            {
                if (bytes.Length < 2) return (bytes, "swap in a 1-byte file: unchanged");
                int other = _rng.Next(bytes.Length);
                (bytes[at], bytes[other]) = (bytes[other], bytes[at]);
                return (bytes, $"swap bytes {at} and {other}");
            }
        }
    }

    /// <summary>A random element of <paramref name="items"/>.</summary>
    public T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];

    /// <summary>Text shown in a failure: the mutation, and the first bytes of the file when it is text.</summary>
    public static string Preview(byte[] bytes, int length = 160) =>
        Encoding.UTF8.GetString(bytes, 0, Math.Min(length, bytes.Length)).ReplaceLineEndings(" ");
}
