using System.Buffers.Binary;
using System.Text;
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

        const string json = "{\"__metadata__\":{\"format\":\"pt\"}," +
            "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}," +
            "\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}}";
        int padded = (json.Length + 7) / 8 * 8;
        var expected = new List<byte>();
        expected.AddRange(BitConverter.GetBytes((ulong)padded));             // header length, little-endian
        expected.AddRange(Encoding.UTF8.GetBytes(json.PadRight(padded)));    // JSON, space-padded to 8 bytes
        expected.AddRange([0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0]); // 1f, -2f
        expected.AddRange([0x07, 0, 0, 0, 0, 0, 0, 0]);                       // 7 as int64
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
        Assert.That(File.Exists(path), Is.False);
    }

    // ------------------------------------------------------------------ corrupt files

    /// <summary>A file with the given header JSON (padded as the writer does) and data bytes.</summary>
    string Handmade(string name, string json, byte[] data)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        string path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    void AssertRejected(string path, params string[] fragments)
    {
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path).Dispose());
        Assert.That(e!.Message, Does.StartWith(path + ": "));
        foreach (var f in fragments) Assert.That(e.Message, Does.Contain(f));
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
        AssertRejected(cutData, "tensor 'w'", "data_offsets [0, 12)", "8-byte data section");

        string cutHeader = PathOf("cut-header.safetensors");
        File.WriteAllBytes(cutHeader, bytes[..20]);
        AssertRejected(cutHeader, "header length", "does not fit in a file of 20 bytes");

        string tiny = PathOf("tiny.safetensors");
        File.WriteAllBytes(tiny, [1, 2, 3]);
        AssertRejected(tiny, "is 3 bytes long");
    }

    [Test]
    public void MissingFileIsNamed()
    {
        string path = PathOf("absent.safetensors");
        Assert.That(() => SafeTensors.Load(path), Throws.InstanceOf<FileNotFoundException>().With.Message.Contains(path));
    }

    [TestCase("{\"w\":{\"dtype\":\"F32\",", "not valid JSON", TestName = "BadJsonTruncated")]
    [TestCase("[1, 2]", "expected an object", TestName = "BadJsonArrayRoot")]
    [TestCase("{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,8]}}", "tensor 'w'", TestName = "UnsupportedDtype")]
    [TestCase("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", "tensor 'w': \"dtype\" is missing", TestName = "MissingDtype")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", "tensor 'w': shape entry -2", TestName = "NegativeDimension")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", "tensor 'w': shape entry 2.5", TestName = "FractionalDimension")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", "tensor 'w': \"data_offsets\"", TestName = "OneOffset")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}", "tensor 'w': data_offsets [0, 16) lie outside the 8-byte data section", TestName = "OffsetsOutOfRange")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,0]}}", "tensor 'w': data_offsets [4, 0)", TestName = "OffsetsReversed")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "expected 12 for F32 [3]", TestName = "OffsetsDoNotMatchShape")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "the data section has 8 bytes but the tensors end at byte 4", TestName = "TrailingData")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", "tensor 'w' starts at data byte 4", TestName = "GapAtStart")]
    [TestCase("{\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", "overlap", TestName = "Overlap")]
    [TestCase("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "names 'w' twice", TestName = "DuplicateName")]
    [TestCase("{\"__metadata__\":{\"epoch\":3},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "__metadata__ 'epoch'", TestName = "NonStringMetadata")]
    [TestCase("{\"w\":[1, 2]}", "tensor 'w': entry is a JSON Array", TestName = "EntryNotAnObject")]
    public void CorruptHeadersAreRejectedNamingFileAndTensor(string json, string expect) =>
        AssertRejected(Handmade("corrupt.safetensors", json, new byte[8]), expect);

    [Test]
    public void HeaderThatIsNotUtf8IsRejected() =>
        AssertRejected(HandmadeBytes([0x7B, 0xFF, 0xFE, 0x7D]), "not valid JSON");

    string HandmadeBytes(byte[] header)
    {
        var bytes = new byte[8 + header.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        string path = PathOf("bytes.safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Test]
    public void Int64ThatFloat32CannotHoldIsRejected()
    {
        var data = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(data, (1L << 24) + 1);
        AssertRejected(Handmade("big.safetensors", "{\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}", data),
            "tensor 'n'", "16777217");
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
}
