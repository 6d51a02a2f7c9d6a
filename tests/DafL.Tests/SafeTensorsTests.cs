using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DafL.Errors;
using DafL.IO;
using DafL.Memory;

namespace DafL.Tests;

public class SafeTensorsTests
{
    long _tensorsAtStart, _buffersAtStart;
    string _dir = "";

    [SetUp]
    public void Start()
    {
        (_tensorsAtStart, _buffersAtStart) = (Tensor.LiveTensors, BufferPool.LiveBuffers);
        _dir = Path.Combine(Path.GetTempPath(), "dafl-safetensors-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void End()
    {
        Directory.Delete(_dir, recursive: true);
        Assert.That(Tensor.LiveTensors, Is.EqualTo(_tensorsAtStart), "live tensors");
        Assert.That(BufferPool.LiveBuffers, Is.EqualTo(_buffersAtStart), "live buffers");
    }

    string PathOf(string name) => Path.Combine(_dir, name);

    // ------------------------------------------------------------------ round trip and layout

    [Test]
    public void RoundTripKeepsNamesOrderShapesValuesAndMetadata()
    {
        string path = PathOf("model.safetensors");
        using (var scope = TensorScope.Begin())
        {
            var w = Tensor.FromArray([1.5f, -2f, float.Epsilon, float.MaxValue, -0f, 3.25f], 2, 3);
            var scalar = Tensor.Scalar(42f);
            var empty = Tensor.Zeros([0, 4]);
            var count = Tensor.Scalar(120000f);
            SafeTensors.Save(path, [("z.weight", w), ("a.scalar", scalar), ("empty", empty), ("bn1.num_batches_tracked", count)],
                new Dictionary<string, string> { ["format"] = "pt", ["config"] = "{\"lr\": 0.1, \"name\": \"ü<&>\"}" });
        }
        using var file = SafeTensors.Load(path);
        Assert.That(file.Path, Is.EqualTo(path));
        Assert.That(file.Names, Is.EqualTo(new[] { "z.weight", "a.scalar", "empty", "bn1.num_batches_tracked" }));
        Assert.That(file.Tensors["z.weight"].Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(file.Tensors["z.weight"].ToArray(), Is.EqualTo(new[] { 1.5f, -2f, float.Epsilon, float.MaxValue, -0f, 3.25f }));
        Assert.That(BitConverter.SingleToUInt32Bits(file.Tensors["z.weight"].ToArray()[4]), Is.EqualTo(0x80000000u), "-0 keeps its sign");
        Assert.That(file.Tensors["a.scalar"].Shape, Is.Empty);
        Assert.That(file.Tensors["a.scalar"].Item(), Is.EqualTo(42f));
        Assert.That(file.Tensors["empty"].Shape, Is.EqualTo(new[] { 0, 4 }));
        Assert.That(file.Tensors["bn1.num_batches_tracked"].Item(), Is.EqualTo(120000f));
        Assert.That(file.Metadata, Is.EqualTo(new Dictionary<string, string> { ["format"] = "pt", ["config"] = "{\"lr\": 0.1, \"name\": \"ü<&>\"}" }));
    }

    [Test]
    public void TinyFileIsLaidOutByteForByte()
    {
        string path = PathOf("tiny.safetensors");
        using (var scope = TensorScope.Begin())
            SafeTensors.Save(path, [("a", Tensor.FromArray([1f, -2f], 2)), ("bn.num_batches_tracked", Tensor.Scalar(7f))],
                new Dictionary<string, string> { ["format"] = "pt" });

        byte[] data = [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, // 1f, -2f
                       0x07, 0, 0, 0, 0, 0, 0, 0];                      // 7 as int64
        // The checksum, computed here from its definition: SHA-256 of the canonical header, then the data section.
        const string canonical = "{\"tensors\":[[\"a\",\"F32\",[2],0,8],[\"bn.num_batches_tracked\",\"I64\",[],8,16]]," +
            "\"metadata\":[[\"dafl_checksum\",\"sha256\"],[\"format\",\"pt\"]]}";
        string digest = Convert.ToHexStringLower(SHA256.HashData([.. Encoding.UTF8.GetBytes(canonical), .. data]));
        string json = "{\"__metadata__\":{\"format\":\"pt\",\"dafl_checksum\":\"sha256\",\"dafl_sha256\":\"" + digest + "\"}," +
            "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}," +
            "\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}}";
        int padded = (json.Length + 7) / 8 * 8;
        var expected = new List<byte>();
        expected.AddRange(BitConverter.GetBytes((ulong)padded));             // header length, little-endian
        expected.AddRange(Encoding.UTF8.GetBytes(json.PadRight(padded)));    // JSON, space-padded to 8 bytes
        expected.AddRange(data);
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(expected.ToArray()));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }), "no temporary file left behind");
    }

    [Test]
    public void SavingReplacesAnExistingFile()
    {
        string path = PathOf("replace.safetensors");
        File.WriteAllText(path, "old contents that are not a safetensors file");
        using (var scope = TensorScope.Begin())
            SafeTensors.Save(path, [("x", Tensor.Scalar(1f))]);
        using var file = SafeTensors.Load(path);
        Assert.That(file.Tensors["x"].Item(), Is.EqualTo(1f));
        Assert.That(file.Metadata, Is.Empty);
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1));
    }

    [Test]
    public void Int64IsChosenByTheBufferName()
    {
        Assert.That(SafeTensors.IsInt64("num_batches_tracked"), Is.True);
        Assert.That(SafeTensors.IsInt64("layer1.0.bn1.num_batches_tracked"), Is.True);
        Assert.That(SafeTensors.IsInt64("my_num_batches_tracked"), Is.False);
        Assert.That(SafeTensors.IsInt64("bn1.running_mean"), Is.False);
    }

    [Test]
    public void SaveRejectsWhatCannotBeWritten()
    {
        string path = PathOf("bad.safetensors");
        using var scope = TensorScope.Begin();
        var x = Tensor.Scalar(1.5f);
        Assert.That(() => SafeTensors.Save(path, [("bn.num_batches_tracked", x)]),
            Throws.ArgumentException.With.Message.Contains(path).And.Message.Contains("'bn.num_batches_tracked'").And.Message.Contains("1.5"));
        Assert.That(() => SafeTensors.Save(path, [("x", x), ("x", x)]), Throws.ArgumentException.With.Message.Contains("'x' is given twice"));
        Assert.That(() => SafeTensors.Save(path, [("__metadata__", x)]), Throws.ArgumentException.With.Message.Contains("__metadata__"));
        foreach (var reserved in new[] { SafeTensors.ChecksumKey, SafeTensors.ChecksumAlgorithmKey })
            Assert.That(() => SafeTensors.Save(path, [("x", x)], new Dictionary<string, string> { [reserved] = "0" }),
                Throws.ArgumentException.With.Message.Contains($"'{reserved}'"));
        Assert.That(File.Exists(path), Is.False);
    }


    [Test]
    public void SavedFilesAreVerifiedAndForeignOnesLoadUnverified()
    {
        string ours = PathOf("ours.safetensors");
        using (var scope = TensorScope.Begin())
            SafeTensors.Save(ours, [("w", Tensor.FromArray([1f, 2f], 2))]);
        using (var file = SafeTensors.Load(ours))
            Assert.That(file.Verified, Is.True);

        var data = new byte[8];
        BinaryPrimitives.WriteSingleLittleEndian(data, 0.5f);
        using var foreign = SafeTensors.Load(Handmade("foreign.safetensors", "{\"__metadata__\":{\"format\":\"pt\"}," + OneTensor[1..], data));
        Assert.That(foreign.Verified, Is.False, "PyTorch's files carry no checksum");
        Assert.That(foreign.Tensors["w"].ToArray(), Is.EqualTo(new[] { 0.5f, 0f }));
        Assert.That(foreign.Metadata, Is.EqualTo(new Dictionary<string, string> { ["format"] = "pt" }));
    }

    // ------------------------------------------------------------------ corrupt files

    /// <summary>A file with the given header JSON (unpadded) and data bytes.</summary>
    string Handmade(string name, string json, byte[] data) => HandmadeBytes(name, Encoding.UTF8.GetBytes(json), data);

    string HandmadeBytes(string name, byte[] header, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        string path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Loading <paramref name="path"/> fails with one problem in <paramref name="field"/> whose message holds <paramref name="fragments"/>.</summary>
    static InputException AssertRejected(string path, string field, params string[] fragments)
    {
        var e = Assert.Throws<InputException>(() => SafeTensors.Load(path).Dispose())!;
        Assert.That(e.Problem.Source, Is.EqualTo(path));
        Assert.That(e.Problem.Field, Is.EqualTo(field), e.Message);
        Assert.That(e.Message, Does.StartWith($"{path}: {field}: expected "));
        Assert.That(e.Message, Does.Not.Contain("\n"));
        foreach (var f in fragments) Assert.That(e.Message, Does.Contain(f));
        return e;
    }

    const string OneTensor = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    [Test]
    public void TruncatedFilesAreRejected()
    {
        string good = PathOf("good.safetensors");
        using (var scope = TensorScope.Begin())
            SafeTensors.Save(good, [("w", Tensor.FromArray([1f, 2f, 3f], 3))]);
        var bytes = File.ReadAllBytes(good);

        string cutData = PathOf("cut-data.safetensors");
        File.WriteAllBytes(cutData, bytes[..^4]);
        AssertRejected(cutData, "tensor 'w' data_offsets", "0 ≤ begin ≤ end ≤ 8", "found [0, 12)");

        string cutHeader = PathOf("cut-header.safetensors");
        File.WriteAllBytes(cutHeader, bytes[..20]);
        AssertRejected(cutHeader, "header length", "the file has 20", $"found {bytes.Length - 8 - 12}");

        string tiny = PathOf("tiny.safetensors");
        File.WriteAllBytes(tiny, [1, 2, 3]);
        AssertRejected(tiny, "header length", "found a file of 3 bytes");
    }

    [Test]
    public void HeaderLongerThanTheLimitIsRejectedBeforeItIsRead()
    {
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 200UL << 20);
        string path = PathOf("huge-header.safetensors");
        File.WriteAllBytes(path, bytes);
        AssertRejected(path, "header length", "at most 56 bytes", $"found {200UL << 20}");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        File.WriteAllBytes(path, bytes);
        AssertRejected(path, "header length", $"found {ulong.MaxValue}");
    }

    [Test]
    public void MissingAndSpecialFilesAreNamed()
    {
        string path = PathOf("absent.safetensors");
        Assert.That(() => SafeTensors.Load(path), Throws.InstanceOf<InputException>().With.Message.Contains(path).And.Message.Contains("no such file"));
        Assert.That(() => SafeTensors.Load(_dir), Throws.InstanceOf<InputException>().With.Message.Contains("a directory"));
        if (OperatingSystem.IsLinux())
            Assert.That(() => SafeTensors.Load("/dev/zero"), Throws.InstanceOf<InputException>().With.Message.Contains("a character device"));
    }

    [TestCase("{\"w\":{\"dtype\":\"F32\",", "header JSON", "invalid JSON", TestName = "BadJsonTruncated")]
    [TestCase("{\"w\":{}} x", "header JSON", "invalid JSON", TestName = "BadJsonTrailingText")]
    [TestCase("[1, 2]", "header JSON", "found a JSON Array", TestName = "BadJsonArrayRoot")]
    [TestCase("{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,8]}}", "tensor 'w' dtype", "found F16", TestName = "UnsupportedDtype")]
    [TestCase("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", "tensor 'w' dtype", "found none", TestName = "MissingDtype")]
    [TestCase("{\"w\":{\"dtype\":7,\"shape\":[2],\"data_offsets\":[0,8]}}", "tensor 'w' dtype", "found a JSON Number", TestName = "NumericDtype")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", "tensor 'w' shape", "found none", TestName = "MissingShape")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", "tensor 'w' shape", "found -2", TestName = "NegativeDimension")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", "tensor 'w' shape", "found 2.5", TestName = "FractionalDimension")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", "tensor 'w' shape", "found \"2\"", TestName = "DimensionAsString")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2147483648],\"data_offsets\":[0,8]}}", "tensor 'w' shape", "found 2147483648", TestName = "DimensionTooLarge")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,8]}}", "tensor 'w' shape", "at most 2³¹ − 1 elements", TestName = "TooManyElements")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[0,65536,65536],\"data_offsets\":[0,0]}}", "tensor 'w' shape", "(zero sizes aside)", TestName = "HugeEmptyShape")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", "tensor 'w' data_offsets", "found [0]", TestName = "OneOffset")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\"0\",\"8\"]}}", "tensor 'w' data_offsets", "found [\"0\",\"8\"]", TestName = "OffsetsAsStrings")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", "tensor 'w' data_offsets", "found none", TestName = "MissingOffsets")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}", "tensor 'w' data_offsets", "≤ 8 (the data section's length), found [0, 16)", TestName = "OffsetsOutOfRange")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,0]}}", "tensor 'w' data_offsets", "found [4, 0)", TestName = "OffsetsReversed")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", "tensor 'w' data_offsets", "found [-8, 0)", TestName = "NegativeOffset")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "tensor 'w' data_offsets", "expected 12 bytes for F32 [3]", TestName = "OffsetsDoNotMatchShape")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "data section", "expected 4 bytes, as the tensors' data_offsets say, found 8 bytes", TestName = "TrailingData")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", "tensor 'w' data_offsets", "to start at byte 0", "(a gap)", TestName = "GapAtStart")]
    [TestCase("{\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", "tensor 'w' data_offsets", "where tensor 'v' ends", "(an overlap)", TestName = "Overlap")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "tensor 'w'", "found it twice", TestName = "DuplicateName")]
    [TestCase("{\"__metadata__\":{\"epoch\":3},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "__metadata__ 'epoch'", "found a JSON Number", TestName = "NonStringMetadata")]
    [TestCase("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "__metadata__ 'a'", "found it twice", TestName = "DuplicateMetadataKey")]
    [TestCase("{\"__metadata__\":[],\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "__metadata__", "found a JSON Array", TestName = "MetadataNotAnObject")]
    [TestCase("{\"w\":[1, 2]}", "tensor 'w'", "found a JSON Array", TestName = "EntryNotAnObject")]
    [TestCase("{\"a\\nb\":[1, 2]}", "tensor 'a\\nb'", "found a JSON Array", TestName = "NameWithALineBreakStaysOnOneLine")]
    [TestCase("{\"__metadata__\":{\"dafl_checksum\":\"sha256\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "checksum (dafl_sha256)", "found none", TestName = "AnnouncedChecksumMissing")]
    [TestCase("{\"__metadata__\":{\"dafl_checksum\":\"md5\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "checksum (dafl_checksum)", "expected sha256, found 'md5'", TestName = "UnknownChecksumAlgorithm")]
    [TestCase("{\"__metadata__\":{\"dafl_sha256\":\"abc\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "checksum (dafl_sha256)", "64 lowercase hex digits, found 'abc'", TestName = "MalformedDigest")]
    public void CorruptHeadersAreRejectedNamingFileAndField(string json, string field, params string[] expect) =>
        AssertRejected(Handmade("corrupt.safetensors", json, new byte[8]), field, expect);

    [Test]
    public void ARankAboveTheLimitIsRejected()
    {
        string shape = string.Join(",", Enumerable.Repeat("1", 65));
        AssertRejected(Handmade("deep.safetensors", $"{{\"w\":{{\"dtype\":\"F32\",\"shape\":[{shape}],\"data_offsets\":[0,4]}}}}", new byte[4]),
            "tensor 'w' shape", "at most 64 dimensions, found 65");
    }

    [Test]
    public void HugeEmptyShapesAllocateNothingToSpeakOf()
    {
        // Many tensors of zero elements with the largest sizes allowed: the load costs what the header holds, not the sizes.
        var entries = Enumerable.Range(0, 200).Select(i => $"\"t{i}\":{{\"dtype\":\"F32\",\"shape\":[0,{int.MaxValue}],\"data_offsets\":[0,0]}}");
        string path = Handmade("empty-giants.safetensors", "{" + string.Join(",", entries) + "}", []);
        long before = GC.GetAllocatedBytesForCurrentThread();
        using (var file = SafeTensors.Load(path))
            Assert.That(file.Tensors["t7"].Shape, Is.EqualTo(new[] { 0, int.MaxValue }));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(4L << 20));
    }

    [Test]
    public void HeaderThatIsNotUtf8IsRejected() =>
        AssertRejected(HandmadeBytes("bytes.safetensors", [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D], []), "header JSON", "UTF-8 text", "at header byte 2");

    // Valid UTF-8 and valid JSON, but no valid Unicode string: .NET's JSON reader throws when such a string is read.
    [TestCase("{\"\\ud800\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 1, TestName = "LoneHighSurrogateInAName")]
    [TestCase("{\"__metadata__\":{\"k\":\"\\udc00\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 21, TestName = "LoneLowSurrogateInMetadata")]
    public void AnEscapedLoneSurrogateIsRejected(string json, int at) =>
        AssertRejected(Handmade("surrogate.safetensors", json, new byte[8]), "header JSON", "strings of valid Unicode", $"at header byte {at}");

    [Test]
    public void Int64ThatFloat32CannotHoldIsRejected()
    {
        foreach (long value in new[] { (1L << 24) + 1, long.MaxValue })
        {
            var data = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(data, value);
            AssertRejected(Handmade("big.safetensors", "{\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}", data),
                "tensor 'n'", $"found {value} at element 0");
        }
    }

    [Test]
    public void HandmadeFileWithoutPaddingLoads()
    {
        var data = new byte[8];
        BinaryPrimitives.WriteSingleLittleEndian(data, 0.5f);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4), -4f);
        using var file = SafeTensors.Load(Handmade("ok.safetensors", OneTensor, data));
        Assert.That(file.Tensors["w"].ToArray(), Is.EqualTo(new[] { 0.5f, -4f }));
    }

    // ------------------------------------------------------------------ non-finite values

    [TestCase(float.NaN, "NaN")]
    [TestCase(float.PositiveInfinity, "+Inf")]
    [TestCase(float.NegativeInfinity, "-Inf")]
    public void NonFiniteValuesAreRefusedNamingTensorAndElement(float bad, string shown)
    {
        var data = new byte[12];
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4), 1f);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(8), bad);
        string foreign = Handmade("foreign.safetensors",
            "{\"ok\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", data);
        var e = AssertRejected(foreign, "tensor 'conv1.weight'");
        Assert.That(e.Message, Is.EqualTo($"{foreign}: tensor 'conv1.weight': expected finite values, found {shown} at element 1."));

        string ours = PathOf("ours.safetensors"); // a checksum does not make a NaN acceptable
        using (var scope = TensorScope.Begin())
            SafeTensors.Save(ours, [("w", Tensor.FromArray([0f, 0f, 0f, bad], 4))]);
        AssertRejected(ours, "tensor 'w'", $"found {shown} at element 3");
    }

    // ------------------------------------------------------------------ checksum

    /// <summary>A small file written here: float and I64 tensors, a scalar, an empty tensor, metadata.</summary>
    string SmallSavedFile()
    {
        string path = PathOf("small.safetensors");
        using var scope = TensorScope.Begin();
        SafeTensors.Save(path, [("conv.weight", Tensor.FromArray([0.25f, -1.5f, 3f, 1e-3f, -0f, 7f], 2, 3)), ("conv.bias", Tensor.FromArray([2f, -2f], 2)),
                ("empty", Tensor.Zeros([0, 3])), ("bn.num_batches_tracked", Tensor.Scalar(12f)), ("scale", Tensor.Scalar(0.5f))],
            new Dictionary<string, string> { ["epoch"] = "3", ["opt_g_steps"] = "300", ["opt_s_steps"] = "300" });
        return path;
    }

    static (List<string> Names, Dictionary<string, (int[] Shape, uint[] Bits)> Tensors, Dictionary<string, string> Metadata) Contents(string path)
    {
        using var file = SafeTensors.Load(path);
        return Contents(file);
    }

    static (List<string> Names, Dictionary<string, (int[] Shape, uint[] Bits)> Tensors, Dictionary<string, string> Metadata) Contents(SafeTensorsFile file) =>
        (file.Names.ToList(),
         file.Tensors.ToDictionary(e => e.Key, e => (e.Value.Shape.ToArray(), e.Value.ToArray().Select(BitConverter.SingleToUInt32Bits).ToArray())),
         file.Metadata.ToDictionary());

    [Test]
    public void EveryFlippedBitOrOverwrittenByteOfASavedFileIsDetected()
    {
        string path = SmallSavedFile();
        var original = File.ReadAllBytes(path);
        var (names, tensors, metadata) = Contents(path);
        int detected = 0, loaded = 0;
        string flipped = PathOf("flipped.safetensors");
        for (int at = 0; at < original.Length; at++)
        {
            // Every bit flipped, and the byte made a space (which may leave the JSON meaning the same).
            var replacements = Enumerable.Range(0, 8).Select(bit => (byte)(original[at] ^ (1 << bit))).Append((byte)' ').Where(b => b != original[at]);
            foreach (byte b in replacements)
            {
                var bytes = (byte[])original.Clone();
                bytes[at] = b;
                File.WriteAllBytes(flipped, bytes);
                SafeTensorsFile file;
                try
                {
                    file = SafeTensors.Load(flipped);
                }
                catch (InputException)
                {
                    detected++;
                    continue;
                }
                using (file)
                {
                    // Only a change that leaves the file meaning the same may load (say, a space for a space-like byte).
                    loaded++;
                    var (n, t, m) = Contents(file);
                    string where = $"byte {at} set to 0x{b:X2}";
                    Assert.That(file.Verified, Is.True, where);
                    Assert.That(n, Is.EqualTo(names), where);
                    Assert.That(t.Keys, Is.EquivalentTo(tensors.Keys), where);
                    foreach (var (key, (shape, bits)) in tensors)
                    {
                        Assert.That(t[key].Shape, Is.EqualTo(shape), $"{where}: {key}");
                        Assert.That(t[key].Bits, Is.EqualTo(bits), $"{where}: {key}");
                    }
                    Assert.That(m, Is.EqualTo(metadata), where);
                }
            }
        }
        TestContext.Out.WriteLine($"{original.Length} bytes: {detected} changes detected, {loaded} harmless");
        Assert.That(detected, Is.GreaterThan(8 * original.Length), "nearly every change is detected (there are 9 a byte)");
    }

    [TestCase(4, TestName = "AChangedFloatIsFoundByTheChecksum")] // the last float's low mantissa byte: still finite
    [TestCase(9, TestName = "AChangedCountIsFoundByTheChecksumFirst")] // the I64 count's top byte: not a float32 either
    public void AChangedDataByteNamesTheChecksumAndBothDigests(int fromEnd)
    {
        string path = SmallSavedFile();
        var bytes = File.ReadAllBytes(path);
        bytes[^fromEnd] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        var e = AssertRejected(path, "checksum (dafl_sha256)", "changed or damaged after it was written");
        Assert.That(e.Problem.Expected, Has.Length.EqualTo(64));
        Assert.That(e.Problem.Found, Has.Length.EqualTo(64).And.Not.EqualTo(e.Problem.Expected));
    }

    [Test]
    public void ADamagedChecksumKeyDoesNotPassTheFileOffAsForeign()
    {
        string path = SmallSavedFile();
        var bytes = File.ReadAllBytes(path);
        int at = Encoding.UTF8.GetString(bytes).IndexOf("\"dafl_sha256\"", StringComparison.Ordinal);
        bytes[at + 11] = (byte)'7'; // dafl_sha257: the digest is gone, but dafl_checksum still says there is one
        File.WriteAllBytes(path, bytes);
        AssertRejected(path, "checksum (dafl_sha256)", "expected a digest, as dafl_checksum announces, found none");
    }

    [Test]
    public void ChecksumCoversTheHeadersMeaningNotItsSpelling()
    {
        // The same header rewritten with other spacing, key order and escapes: the same file to a reader, so it verifies.
        string path = SmallSavedFile();
        var bytes = File.ReadAllBytes(path);
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var data = bytes[(8 + headerLength)..];
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, headerLength));
        var parts = doc.RootElement.EnumerateObject().Reverse()
            .Select(p => $"\n  \"{string.Concat(p.Name.Select(c => $"\\u{(int)c:x4}"))}\" : {p.Value.GetRawText().Replace(",", " , ")}");
        string rewritten = "{" + string.Join(",", parts) + "\n}";
        using var file = SafeTensors.Load(Handmade("rewritten.safetensors", rewritten, data));
        Assert.That(file.Verified, Is.True);
        Assert.That(file.Metadata["opt_s_steps"], Is.EqualTo("300"));
    }
}

