using System.Text;

namespace DafL.Tests.Support;

/// <summary>
/// One PyTorch golden-value file written by <c>tools/make_fixtures.py</c> (format DAFLFIX1, version 1, described in
/// the script and in <c>Fixtures/README.md</c>): named float32 tensors, read whole into host arrays. Every error
/// names the file, and the tensor when one is involved.
/// </summary>
public sealed class Fixture
{
    /// <summary>The format version this reader understands.</summary>
    public const uint FormatVersion = 1;
    static readonly byte[] Magic = "DAFLFIX1"u8.ToArray();

    readonly Dictionary<string, (int[] Shape, float[] Data)> _tensors;

    /// <summary>The file this fixture was read from.</summary>
    public string Path { get; }
    /// <summary><c>torch.__version__</c> of the PyTorch that wrote the file.</summary>
    public string TorchVersion { get; }
    /// <summary>Tensor names in file order.</summary>
    public IReadOnlyList<string> Names { get; }

    Fixture(string path, string torchVersion, Dictionary<string, (int[], float[])> tensors, List<string> names)
    {
        Path = path;
        TorchVersion = torchVersion;
        _tensors = tensors;
        Names = names;
    }

    /// <summary>Reads <c>Fixtures/&lt;family&gt;.bin</c> from the test output folder (the test project copies them there).</summary>
    public static Fixture Load(string family) => Read(System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", family + ".bin"));

    /// <summary>Reads a fixture file, or throws naming the file and what is wrong with it.</summary>
    public static Fixture Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Fixture file {path} does not exist; generate it with `/usr/bin/python3 tools/make_fixtures.py`.", path);
        using var stream = File.OpenRead(path);
        using var r = new BinaryReader(stream, Encoding.UTF8); // BinaryReader is little-endian on every platform
        try
        {
            var magic = r.ReadBytes(Magic.Length);
            if (!magic.AsSpan().SequenceEqual(Magic))
                throw new InvalidDataException($"Fixture {path}: magic is \"{Encoding.ASCII.GetString(magic)}\", expected \"DAFLFIX1\"; not a fixture file.");
            uint version = r.ReadUInt32();
            if (version != FormatVersion)
                throw new InvalidDataException($"Fixture {path}: format version {version}, this reader understands {FormatVersion}; regenerate the fixtures or update Support/Fixture.cs.");
            string torch = ReadString(r, path, "the torch version");
            uint count = r.ReadUInt32();
            var tensors = new Dictionary<string, (int[], float[])>();
            var names = new List<string>();
            for (uint i = 0; i < count; i++)
            {
                string name = ReadString(r, path, $"the name of tensor #{i}");
                if (!tensors.TryAdd(name, ReadTensor(r, path, name)))
                    throw new InvalidDataException($"Fixture {path}: tensor \"{name}\" appears twice.");
                names.Add(name);
            }
            if (stream.Position != stream.Length)
                throw new InvalidDataException($"Fixture {path}: {stream.Length - stream.Position} bytes after the last of {count} tensors.");
            return new Fixture(path, torch, tensors, names);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"Fixture {path}: the file ends early (truncated at byte {stream.Length}).", e);
        }
    }

    static string ReadString(BinaryReader r, string path, string what)
    {
        uint length = r.ReadUInt32();
        if (length > r.BaseStream.Length - r.BaseStream.Position)
            throw new InvalidDataException($"Fixture {path}: {what} claims {length} bytes, more than the file has left.");
        return Encoding.UTF8.GetString(r.ReadBytes((int)length));
    }

    static (int[], float[]) ReadTensor(BinaryReader r, string path, string name)
    {
        uint rank = r.ReadUInt32();
        if (rank > 8) throw new InvalidDataException($"Fixture {path}: tensor \"{name}\" has rank {rank}; the fixtures use at most 8.");
        var shape = new int[rank];
        long numel = 1;
        for (int d = 0; d < rank; d++)
        {
            shape[d] = r.ReadInt32();
            if (shape[d] < 0) throw new InvalidDataException($"Fixture {path}: tensor \"{name}\" has shape {Tensor.ShapeString(shape)} with a negative dimension.");
            numel *= shape[d];
        }
        if (numel * sizeof(float) > r.BaseStream.Length - r.BaseStream.Position)
            throw new InvalidDataException($"Fixture {path}: tensor \"{name}\" of shape {Tensor.ShapeString(shape)} needs {numel * sizeof(float)} bytes, more than the file has left.");
        var data = new float[numel];
        for (long i = 0; i < numel; i++) data[i] = r.ReadSingle();
        return (shape, data);
    }

    /// <summary>Whether the file holds a tensor of this name.</summary>
    public bool Has(string name) => _tensors.ContainsKey(name);

    /// <summary>The shape of a stored tensor.</summary>
    public int[] Shape(string name) => (int[])Get(name).Shape.Clone();

    /// <summary>The elements of a stored tensor, row-major (a copy).</summary>
    public float[] Data(string name) => (float[])Get(name).Data.Clone();

    /// <summary>A stored scalar (a <c>cfg.*</c> setting or a scalar output).</summary>
    public float Scalar(string name)
    {
        var (shape, data) = Get(name);
        if (data.Length != 1)
            throw new InvalidDataException($"Fixture {Path}: tensor \"{name}\" has shape {Tensor.ShapeString(shape)}, expected a scalar.");
        return data[0];
    }

    /// <summary>A stored scalar that must be an integer (dims, strides, flags).</summary>
    public int Int(string name)
    {
        float v = Scalar(name);
        if (v != MathF.Round(v))
            throw new InvalidDataException($"Fixture {Path}: tensor \"{name}\" is {v}, expected an integer.");
        return (int)v;
    }

    /// <summary>A new CPU tensor holding a stored tensor; the caller (or the enclosing scope) owns it.</summary>
    public Tensor ToTensor(string name, bool requiresGrad = false)
    {
        var (shape, data) = Get(name);
        var t = Tensor.FromArray(data, shape);
        t.RequiresGrad = requiresGrad;
        return t;
    }

    /// <summary>A leaf that requires grad, holding a stored input or parameter.</summary>
    public Tensor Leaf(string name) => ToTensor(name, requiresGrad: true);

    (int[] Shape, float[] Data) Get(string name)
    {
        if (_tensors.TryGetValue(name, out var entry)) return entry;
        string prefix = name.Contains('/') ? name[..(name.IndexOf('/') + 1)] : name;
        var near = Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Take(20).ToList();
        string hint = near.Count > 0 ? $" Tensors of \"{prefix}\": {string.Join(", ", near)}." : $" It holds {Names.Count} tensors, none starting with \"{prefix}\".";
        throw new KeyNotFoundException($"Fixture {Path}: no tensor \"{name}\".{hint}");
    }
}
