using System.IO.Compression;
using System.Text;

namespace DafL.Tests.PyTorch;

/// <summary>
/// The checkpoints tools/make_fixtures.py saved with PyTorch (Fixtures/pytorch/), and checkpoints a test builds
/// byte by byte: pickles written opcode by opcode and zip archives laid out as torch.save lays them out.
/// </summary>
static class TorchFiles
{
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", name);

    /// <summary>A zip checkpoint of folder <paramref name="folder"/> with these records (name under the folder → bytes), stored uncompressed.</summary>
    public static void WriteZip(string path, string folder, IEnumerable<(string Name, byte[] Bytes)> records)
    {
        using var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create);
        foreach (var (name, bytes) in records)
        {
            using var s = zip.CreateEntry($"{folder}/{name}", CompressionLevel.NoCompression).Open();
            s.Write(bytes);
        }
    }

    /// <summary>The records of a zip checkpoint, by full name, in order.</summary>
    public static List<(string Name, byte[] Bytes)> ReadZip(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        return zip.Entries.Select(e =>
        {
            using var s = e.Open();
            using var m = new MemoryStream();
            s.CopyTo(m);
            return (e.FullName, m.ToArray());
        }).ToList();
    }

    /// <summary>A pickle, protocol 2, from opcodes and their arguments as in <c>pickletools</c>: helpers for the few a test needs.</summary>
    public sealed class Pickle
    {
        readonly List<byte> _bytes = [0x80, 2];

        public Pickle Global(string module, string name) => Raw((byte)'c').Text($"{module}\n{name}\n");
        public Pickle Unicode(string s)
        {
            var utf8 = Encoding.UTF8.GetBytes(s);
            return Raw((byte)'X').Raw(BitConverter.GetBytes(utf8.Length)).Raw(utf8);
        }
        public Pickle ShortUnicode(string s) => Raw(0x8c, (byte)Encoding.UTF8.GetByteCount(s)).Text(s);
        public Pickle Tuple1() => Raw(0x85);
        public Pickle Tuple2() => Raw(0x86);
        public Pickle EmptyTuple() => Raw((byte)')');
        public Pickle EmptyDict() => Raw((byte)'}');
        public Pickle Reduce() => Raw((byte)'R');
        public Pickle NewObj() => Raw(0x81);
        public Pickle Build() => Raw((byte)'b');
        public Pickle SetItem() => Raw((byte)'s');
        public Pickle Memoize() => Raw(0x94);
        public Pickle BinGet(byte index) => Raw((byte)'h', index);
        public Pickle StackGlobal() => Raw(0x93);
        public Pickle Pop() => Raw((byte)'0');
        public Pickle Raw(params byte[] bytes)
        {
            _bytes.AddRange(bytes);
            return this;
        }
        Pickle Text(string s) => Raw(Encoding.UTF8.GetBytes(s));

        public byte[] Stop() => [.. _bytes, (byte)'.'];
    }
}
