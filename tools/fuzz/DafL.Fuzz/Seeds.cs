using System.Buffers.Binary;
using System.IO.Compression;
using DafL.Data;
using DafL.IO;
using DafL.Training;

namespace DafL.Fuzzing;

/// <summary>
/// The seed inputs in tools/fuzz/seeds/TARGET/: one small valid file per target, written by the project's own
/// writers where it has one, so that AFL starts from inputs the loaders accept and mutates towards the checks.
/// Small on purpose: AFL's mutations are cheaper and reach more of a short file.
/// </summary>
static class Seeds
{
    const int Rows = 28, Cols = 28;

    public static void Write(string folder)
    {
        var images = IdxImages(count: 1);
        var scratch = Directory.CreateTempSubdirectory("dafl-fuzz-seeds-");
        try
        {
            WriteSeed(folder, scratch.FullName, "safetensors", WriteSafeTensors);
            WriteSeed(folder, scratch.FullName, "idx-images", path => File.WriteAllBytes(path, images));
            WriteSeed(folder, scratch.FullName, "idx-images-gz", path => File.WriteAllBytes(path, Gzip(images)));
            WriteSeed(folder, scratch.FullName, "idx-labels", path => File.WriteAllBytes(path, IdxLabels(count: 10)));
            WriteSeed(folder, scratch.FullName, "config", path => File.WriteAllText(path, new DistillConfig().ToJson()));
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>Writes one target's seed and checks that the target accepts it (a rejected seed teaches AFL nothing).</summary>
    static void WriteSeed(string folder, string scratch, string targetName, Action<string> write)
    {
        var target = FuzzTarget.Named(targetName);
        string dir = Path.Combine(folder, target.Name);
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, target.FileName);
        write(path);
        if (target.Run(File.ReadAllBytes(path), scratch) is { } rejection)
            throw new InvalidOperationException($"the seed {path} is rejected by its own target: {rejection.Message}");
        Console.WriteLine($"{path}: {new FileInfo(path).Length} bytes");
    }

    /// <summary>A float tensor, a PyTorch I64 buffer and metadata: each branch of the loader's header checks.</summary>
    static void WriteSafeTensors(string path)
    {
        using var weight = Tensor.FromArray([0.5f, -1.25f, 2f, 0f, 3.5f, -0.75f], 2, 3);
        using var batches = Tensor.Scalar(7f);
        SafeTensors.Save(path, [("fc.weight", weight), ("bn.num_batches_tracked", batches)],
            new Dictionary<string, string> { ["format"] = "pt" });
    }

    static byte[] IdxImages(int count)
    {
        var bytes = new byte[16 + count * Rows * Cols];
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(0), IdxReader.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), Rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), Cols);
        for (int i = 16; i < bytes.Length; i++) bytes[i] = (byte)(i * 7);
        return bytes;
    }

    static byte[] IdxLabels(int count)
    {
        var bytes = new byte[8 + count];
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(0), IdxReader.LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        for (int i = 0; i < count; i++) bytes[8 + i] = (byte)i;
        return bytes;
    }

    static byte[] Gzip(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize)) gzip.Write(data);
        return compressed.ToArray();
    }
}
