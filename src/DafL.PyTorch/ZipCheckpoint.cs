using System.IO.Compression;
using DafL.Errors;
using DafL.IO;

namespace DafL.PyTorch;

/// <summary>
/// The zip format of <c>torch.save</c> (PyTorch 1.6 and later): one folder, named after the file, holding
/// <c>data.pkl</c> (the pickle), <c>data/&lt;key&gt;</c> (each storage's raw bytes, in the machine's byte order),
/// <c>version</c> and, since 2.x, <c>byteorder</c> ("little" or "big").
/// </summary>
static class ZipCheckpoint
{
    /// <summary>DEFLATE expands at most about 1032 to 1: a record claiming more than that of its compressed size is not real.</summary>
    const long MostExpansion = 1032;

    public static PickledCheckpoint Read(string path)
    {
        var (stream, _) = InputFile.OpenRead(path, "PyTorch checkpoint");
        try
        {
            // The central directory is read on first use of the entries, so a damaged one may be found there too.
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
            return Read(zip, path);
        }
        catch (InvalidDataException e)
        {
            throw new InputException(path, "zip archive", "a complete zip archive (PyTorch's checkpoint format)", $"a damaged or truncated one ({e.Message.TrimEnd('.')})", inner: e);
        }
        finally
        {
            stream.Dispose();
        }
    }

    static PickledCheckpoint Read(ZipArchive zip, string path)
    {
        var pickles = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1).ToList();
        if (pickles.Count != 1)
            throw new InputException(path, "records", "one <name>/data.pkl (a PyTorch checkpoint)",
                pickles.Count == 0 ? $"{zip.Entries.Count} records: {InputText.List(zip.Entries.Select(e => e.FullName).ToList())}" : $"{pickles.Count}");
        string folder = pickles[0].FullName[..^"data.pkl".Length];
        bool bigEndian = ByteOrder(zip, folder, path);
        var unpickler = new TorchUnpickler(path);
        var (root, _) = unpickler.Load(ReadRecord(pickles[0], path), 0);
        var storages = new Dictionary<string, (StorageRef, byte[])>(StringComparer.Ordinal);
        foreach (var (key, storage) in unpickler.Storages)
        {
            string name = folder + "data/" + key;
            var entry = zip.GetEntry(name) ?? throw new InputException(path, $"record '{InputText.Show(name)}'",
                $"the storage of {storage.Numel} {storage.Type.Dtype} values that a tensor refers to", "no such record (the archive is incomplete)");
            long expected = storage.Numel * storage.Type.ElementSize;
            if (entry.Length != expected)
                throw new InputException(path, $"record '{InputText.Show(name)}'", $"{expected} bytes ({storage.Numel} {storage.Type.Dtype} values)", $"{entry.Length}");
            storages[key] = (storage, ReadRecord(entry, path));
        }
        return new PickledCheckpoint(root, storages, bigEndian);
    }

    static bool ByteOrder(ZipArchive zip, string folder, string path)
    {
        if (zip.GetEntry(folder + "byteorder") is not { } entry) return false; // before PyTorch 2.x: little-endian
        var order = System.Text.Encoding.ASCII.GetString(ReadRecord(entry, path, most: 16)).Trim();
        return order switch
        {
            "little" => false,
            "big" => true,
            _ => throw new InputException(path, $"record '{InputText.Show(entry.FullName)}'", "'little' or 'big'", InputText.Show(order)),
        };
    }

    static byte[] ReadRecord(ZipArchiveEntry entry, string path, long most = int.MaxValue)
    {
        string field = $"record '{InputText.Show(entry.FullName)}'";
        if (entry.Length > Math.Min(most, entry.CompressedLength * MostExpansion + 1024))
            throw new InputException(path, field, $"at most {Math.Min(most, entry.CompressedLength * MostExpansion + 1024)} bytes", $"{entry.Length} claimed");
        var bytes = new byte[entry.Length];
        try
        {
            using var s = entry.Open();
            int n = s.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            if (n < bytes.Length) throw new InputException(path, field, $"{bytes.Length} bytes", $"{n} (the archive is truncated)");
        }
        catch (InvalidDataException e)
        {
            throw new InputException(path, field, "a readable record", $"a damaged one ({e.Message.TrimEnd('.')})", inner: e);
        }
        return bytes;
    }
}
