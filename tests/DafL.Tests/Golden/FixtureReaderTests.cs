using System.Text;
using DafL.Tests.Support;

namespace DafL.Tests.Golden;

/// <summary>The fixture reader (format DAFLFIX1 v1) and the golden comparisons: good files read, bad ones are named.</summary>
public class FixtureReaderTests
{
    static readonly string[] Families =
        ["activation", "elementwise", "reduce", "softmax", "dafl", "linear", "conv", "norm", "pool", "lenet5", "generator", "optim"];

    string _dir = "";

    [SetUp]
    public void MakeTempDir() => _dir = Directory.CreateTempSubdirectory("daflfix").FullName;

    [TearDown]
    public void RemoveTempDir() => Directory.Delete(_dir, recursive: true);

    /// <summary>A file in the format of tools/make_fixtures.py, written independently of the reader.</summary>
    static byte[] Encode(string magic, uint version, string torch, params (string Name, int[] Shape, float[] Data)[] tensors)
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write(Encoding.ASCII.GetBytes(magic));
        w.Write(version);
        w.Write((uint)Encoding.UTF8.GetByteCount(torch));
        w.Write(Encoding.UTF8.GetBytes(torch));
        w.Write((uint)tensors.Length);
        foreach (var (name, shape, data) in tensors)
        {
            w.Write((uint)Encoding.UTF8.GetByteCount(name));
            w.Write(Encoding.UTF8.GetBytes(name));
            w.Write((uint)shape.Length);
            foreach (var d in shape) w.Write(d);
            foreach (var v in data) w.Write(v);
        }
        w.Flush();
        return ms.ToArray();
    }

    string Write(byte[] bytes)
    {
        var path = Path.Combine(_dir, "case.bin");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Test]
    public void ReadsNamesShapesAndValues()
    {
        var fx = Fixture.Read(Write(Encode("DAFLFIX1", 1, "1.13.0",
            ("op/x", [2, 3], [1, 2, 3, 4, 5, 6]), ("op/cfg.dim", [], [1]))));
        Assert.That(fx.TorchVersion, Is.EqualTo("1.13.0"));
        Assert.That(fx.Names, Is.EqualTo(new[] { "op/x", "op/cfg.dim" }));
        Assert.That(fx.Shape("op/x"), Is.EqualTo(new[] { 2, 3 }));
        Assert.That(fx.Data("op/x"), Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
        Assert.That(fx.Int("op/cfg.dim"), Is.EqualTo(1));
        using var t = fx.ToTensor("op/x", requiresGrad: true);
        Assert.That(t.Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(t.RequiresGrad, Is.True);
        Assert.That(t.ToArray(), Is.EqualTo(new float[] { 1, 2, 3, 4, 5, 6 }));
    }

    [Test]
    public void EveryCommittedFixtureReadsWithItsTorchVersion()
    {
        foreach (var family in Families)
        {
            var fx = Fixture.Load(family);
            Assert.That(fx.TorchVersion, Does.StartWith("1."), family);
            Assert.That(fx.Names, Is.Not.Empty, family);
        }
    }

    [Test]
    public void MissingFileNamesThePathAndTheScript()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Fixture.Read(Path.Combine(_dir, "absent.bin")));
        Assert.That(e!.Message, Does.Contain("absent.bin").And.Contain("make_fixtures.py"));
    }

    [Test]
    public void WrongMagicIsRejected()
    {
        var path = Write(Encode("NOTAFIX!", 1, "1.13.0"));
        var e = Assert.Throws<InvalidDataException>(() => Fixture.Read(path));
        Assert.That(e!.Message, Does.Contain(path).And.Contain("NOTAFIX!"));
    }

    [Test]
    public void UnknownVersionIsRejected()
    {
        var path = Write(Encode("DAFLFIX1", 2, "1.13.0"));
        var e = Assert.Throws<InvalidDataException>(() => Fixture.Read(path));
        Assert.That(e!.Message, Does.Contain(path).And.Contain("format version 2"));
    }

    [Test]
    public void TruncatedDataNamesTheTensor()
    {
        var bytes = Encode("DAFLFIX1", 1, "1.13.0", ("op/x", [4], [1, 2, 3, 4]));
        var path = Write(bytes[..^4]);
        var e = Assert.Throws<InvalidDataException>(() => Fixture.Read(path));
        Assert.That(e!.Message, Does.Contain(path).And.Contain("\"op/x\""));
    }

    [Test]
    public void TrailingBytesAreRejected()
    {
        var path = Write([.. Encode("DAFLFIX1", 1, "1.13.0", ("op/x", [1], [1])), 0]);
        var e = Assert.Throws<InvalidDataException>(() => Fixture.Read(path));
        Assert.That(e!.Message, Does.Contain("1 bytes after"));
    }

    [Test]
    public void UnknownNameListsTheCaseTensors()
    {
        var fx = Fixture.Read(Write(Encode("DAFLFIX1", 1, "1.13.0", ("op/x", [1], [1]), ("op/out", [1], [2]))));
        var e = Assert.Throws<KeyNotFoundException>(() => fx.Data("op/grad.x"));
        Assert.That(e!.Message, Does.Contain("\"op/grad.x\"").And.Contain("op/x, op/out"));
    }

    [Test]
    public void NonIntegerSettingIsRejected()
    {
        var fx = Fixture.Read(Write(Encode("DAFLFIX1", 1, "1.13.0", ("op/cfg.dim", [], [1.5f]))));
        Assert.Throws<InvalidDataException>(() => fx.Int("op/cfg.dim"));
    }

    [Test]
    public void CloseReportsTheWorstElementAndTheReason()
    {
        var fx = Fixture.Read(Write(Encode("DAFLFIX1", 1, "1.13.0", ("op/out", [2, 2], [1, 2, 3, 4]))));
        using var same = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        GoldenAssert.Close(fx, "op/out", same, Tolerance.Exact("identical"));
        using var off = Tensor.FromArray([1f, 2f, 3f, 4.01f], 2, 2);
        GoldenAssert.Close(fx, "op/out", off, new(0, 3e-3, "loose"));
        var e = Assert.Throws<AssertionException>(() => GoldenAssert.Close(fx, "op/out", off, new(1e-3, 1e-3, "the reason")));
        Assert.That(e!.Message, Does.Contain("\"op/out\"").And.Contain("[1, 1]").And.Contain("the reason"));
    }

    [Test]
    public void CloseRejectsAWrongShapeAMissingGradientAndAStrayNaN()
    {
        var fx = Fixture.Read(Write(Encode("DAFLFIX1", 1, "1.13.0", ("op/out", [2, 2], [1, 2, 3, 4]))));
        using var flat = Tensor.FromArray([1f, 2f, 3f, 4f], 4);
        var shape = Assert.Throws<AssertionException>(() => GoldenAssert.Close(fx, "op/out", flat, Tolerance.Exact("-")));
        Assert.That(shape!.Message, Does.Contain("[4]").And.Contain("[2, 2]"));
        var none = Assert.Throws<AssertionException>(() => GoldenAssert.Close(fx, "op/out", null, Tolerance.Exact("-")));
        Assert.That(none!.Message, Does.Contain("no gradient"));
        using var nan = Tensor.FromArray([1f, float.NaN, 3f, 4f], 2, 2);
        Assert.Throws<AssertionException>(() => GoldenAssert.Close(fx, "op/out", nan, new(1, 1, "-")));
    }

    [Test]
    public void RelativeMaxScalesByTheLargestReference()
    {
        var fx = Fixture.Read(Write(Encode("DAFLFIX1", 1, "1.13.0", ("op/out", [3], [100, 1e-3f, -50]))));
        // 1e-3 off on a tiny element: 1e-5 of the tensor's scale, which RelativeMax accepts and Close would not.
        using var near = Tensor.FromArray([100f, 2e-3f, -50f], 3);
        GoldenAssert.RelativeMax(fx, "op/out", near, 2e-5, "scale-relative");
        var e = Assert.Throws<AssertionException>(() => GoldenAssert.RelativeMax(fx, "op/out", near, 5e-6, "too tight"));
        Assert.That(e!.Message, Does.Contain("element 1").And.Contain("too tight"));
    }
}
