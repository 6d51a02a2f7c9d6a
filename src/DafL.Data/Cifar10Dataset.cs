namespace DafL.Data;

/// <summary>
/// Loads CIFAR-10's binary version: data_batch_1.bin … data_batch_5.bin (training) or test_batch.bin (test), each
/// 10 000 records of one label byte (0–9) and 3072 pixel bytes.
/// </summary>
public static class Cifar10Dataset
{
    public const int Classes = 10, OfficialRecordsPerFile = 10000;
    static readonly CifarBinaryReader.LabelField[] Fields = [new("label", Classes)];

    /// <summary>The folder the official tarball unpacks to, under the data root.</summary>
    public static string DefaultFolder(string dataRoot) => Path.Combine(dataRoot, "cifar-10-batches-bin");

    /// <summary>
    /// The training (50 000) or test (10 000) split, (N, 3, 32, 32) bytes. <paramref name="recordsPerFile"/> is the
    /// record count every file must hold (the official 10 000 unless a cut-down copy is read).
    /// </summary>
    public static ImageSet Load(string folder, bool train, int recordsPerFile = OfficialRecordsPerFile)
    {
        const string hint = FetchHints.Cifar10;
        string[] names = train ? [.. Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin")] : ["test_batch.bin"];
        var paths = names.Select(n => DataFile.FindExact(folder, n, hint)).ToArray();
        int count = recordsPerFile * paths.Length;
        var pixels = new byte[(long)count * CifarBinaryReader.ImageBytes];
        var labels = new byte[count];
        for (int f = 0; f < paths.Length; f++)
            CifarBinaryReader.Read(paths[f], Fields, keptField: 0, recordsPerFile, hint, pixels, labels, f * recordsPerFile);
        return new ImageSet($"CIFAR-10 {(train ? "train" : "test")}", CifarBinaryReader.Channels, CifarBinaryReader.Side,
            CifarBinaryReader.Side, Classes, pixels, labels);
    }
}
