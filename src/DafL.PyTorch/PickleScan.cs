using System.Buffers.Binary;
using System.Text;

namespace DafL.PyTorch;

/// <summary>
/// One pass over a pickle's opcodes before anything is built: where it ends (its STOP), and every global it names
/// (GLOBAL and INST carry the names in the stream; STACK_GLOBAL takes them from two strings pushed just before,
/// literally by the binary string opcodes or from the memo). Razorvine.Pickle resolves a global it does not know to an attribute bag instead of
/// refusing it, and offers no hook to refuse; knowing every name in advance is what lets <see cref="TorchUnpickler"/>
/// give each one an allowed constructor or a refusal. A global whose name the scan cannot know is refused here.
/// </summary>
sealed class PickleScan
{
    public int End { get; }
    public IReadOnlyCollection<(string Module, string Name)> Globals { get; }

    PickleScan(int end, HashSet<(string, string)> globals)
    {
        End = end;
        Globals = globals;
    }

    /// <summary>Scans the pickle that starts at <paramref name="start"/>; a malformed one is a <see cref="FormatException"/> saying where.</summary>
    public static PickleScan Read(ReadOnlySpan<byte> data, int start)
    {
        var globals = new HashSet<(string, string)>();
        var memo = new Dictionary<long, string?>(); // the strings put in the memo (null: something else)
        string? last = null, beforeLast = null;     // the strings the two latest pushes left, if they were strings
        int at = start;
        while (true)
        {
            if (at >= data.Length) throw new FormatException($"the pickle at byte {start} has no STOP opcode (it ends at byte {data.Length})");
            int opcodeAt = at;
            byte op = data[at++];
            string? pushed = null;
            bool keepsStack = false; // memo writes and frames leave the latest push on top
            switch (op)
            {
                case (byte)'.': return new PickleScan(at, globals);
                case (byte)'c' or (byte)'i':
                    string module = Line(data, ref at), name = Line(data, ref at);
                    globals.Add((module, name));
                    break;
                case 0x93: // STACK_GLOBAL
                    if (beforeLast is null || last is null)
                        throw new FormatException($"STACK_GLOBAL at byte {opcodeAt} does not follow two strings (its module and name)");
                    globals.Add((beforeLast, last));
                    break;
                case (byte)'X': pushed = Text(Take(data, ref at, Length(data, ref at, 4))); break;
                case 0x8c: pushed = Text(Take(data, ref at, Length(data, ref at, 1))); break;
                case 0x8d: pushed = Text(Take(data, ref at, Length(data, ref at, 8))); break;
                case (byte)'p': Remember(memo, long.Parse(Line(data, ref at)), last); keepsStack = true; break;
                case (byte)'q': Remember(memo, Take(data, ref at, 1)[0], last); keepsStack = true; break;
                case (byte)'r': Remember(memo, BinaryPrimitives.ReadUInt32LittleEndian(Take(data, ref at, 4)), last); keepsStack = true; break;
                case 0x94: Remember(memo, memo.Count, last); keepsStack = true; break; // MEMOIZE: the next index, as Razorvine counts
                case (byte)'g': pushed = Recall(memo, long.Parse(Line(data, ref at))); break;
                case (byte)'h': pushed = Recall(memo, Take(data, ref at, 1)[0]); break;
                case (byte)'j': pushed = Recall(memo, BinaryPrimitives.ReadUInt32LittleEndian(Take(data, ref at, 4))); break;
                case 0x95: Take(data, ref at, 8); keepsStack = true; break; // FRAME: a length hint
                default: SkipArgument(data, ref at, op, opcodeAt); break;
            }
            if (!keepsStack) (beforeLast, last) = (last, pushed);
        }
    }

    static void Remember(Dictionary<long, string?> memo, long index, string? top) => memo[index] = top;

    static string? Recall(Dictionary<long, string?> memo, long index) => memo.GetValueOrDefault(index);

    /// <summary>Skips the argument of an opcode that names no global and pushes no string.</summary>
    static void SkipArgument(ReadOnlySpan<byte> data, ref int at, byte op, int opcodeAt)
    {
        switch (op)
        {
            // no argument
            case (byte)'(' or (byte)'0' or (byte)'1' or (byte)'2' or (byte)'N' or (byte)'Q' or (byte)'R' or (byte)'a' or (byte)'b'
                or (byte)'d' or (byte)'}' or (byte)'e' or (byte)'l' or (byte)']' or (byte)'o' or (byte)'s' or (byte)'t' or (byte)')'
                or (byte)'u' or 0x81 or 0x85 or 0x86 or 0x87 or 0x88 or 0x89 or 0x8f or 0x90 or 0x91 or 0x92 or 0x98:
                return;
            case (byte)'F' or (byte)'I' or (byte)'L' or (byte)'P' or (byte)'S' or (byte)'V': Line(data, ref at); return;
            case (byte)'K' or 0x80: Take(data, ref at, 1); return;
            case (byte)'M': Take(data, ref at, 2); return;
            case (byte)'J': Take(data, ref at, 4); return;
            case (byte)'G': Take(data, ref at, 8); return;
            case (byte)'U' or (byte)'C' or 0x8a: Take(data, ref at, Length(data, ref at, 1)); return;
            case (byte)'T' or (byte)'B' or 0x8b: Take(data, ref at, Length(data, ref at, 4)); return;
            case 0x8e or 0x96: Take(data, ref at, Length(data, ref at, 8)); return;
            default:
                // EXT1/2/4 (the copyreg extension registry) and NEXT_BUFFER (out-of-band data) have no use in a checkpoint.
                throw new FormatException($"opcode 0x{op:X2} at byte {opcodeAt} is not one a checkpoint's pickle uses");
        }
    }

    static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> data, ref int at, long count)
    {
        if (count < 0 || count > data.Length - at) throw new FormatException($"an argument of {count} bytes at byte {at} runs past the end ({data.Length} bytes)");
        var taken = data.Slice(at, (int)count);
        at += (int)count;
        return taken;
    }

    static long Length(ReadOnlySpan<byte> data, ref int at, int width)
    {
        var bytes = Take(data, ref at, width);
        return width switch
        {
            1 => bytes[0],
            4 => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
            _ => (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(bytes), long.MaxValue),
        };
    }

    static string Line(ReadOnlySpan<byte> data, ref int at)
    {
        int newline = data[at..].IndexOf((byte)'\n');
        if (newline < 0) throw new FormatException($"the text argument at byte {at} has no end of line");
        var line = Text(data.Slice(at, newline));
        at += newline + 1;
        return line;
    }

    static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
