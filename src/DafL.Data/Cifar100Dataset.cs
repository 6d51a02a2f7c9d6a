namespace DafL.Data;

/// <summary>
/// Loads CIFAR-100's binary version: train.bin (50 000 records) or test.bin (10 000), each record a coarse label
/// byte (0–19), a fine label byte (0–99) and 3072 pixel bytes. The fine label is the class (as in DAFL).
/// </summary>
public static class Cifar100Dataset
{
    public const int Classes = 100, CoarseClasses = 20, OfficialTrainRecords = 50000, OfficialTestRecords = 10000;
    static readonly CifarBinaryReader.LabelField[] Fields = [new("coarse label", CoarseClasses), new("fine label", Classes)];

    /// <summary>The folder the official tarball unpacks to, under the data root.</summary>
    public static string DefaultFolder(string dataRoot) => Path.Combine(dataRoot, "cifar-100-binary");

    /// <summary>
    /// The training or test split, (N, 3, 32, 32) bytes with fine labels. <paramref name="records"/> is the record
    /// count the file must hold; null means the official 50 000 (train) or 10 000 (test).
    /// </summary>
    public static ImageSet Load(string folder, bool train, int? records = null)
    {
        const string hint = FetchHints.Cifar100;
        string path = DataFile.FindExact(folder, train ? "train.bin" : "test.bin", hint);
        int count = records ?? (train ? OfficialTrainRecords : OfficialTestRecords);
        var pixels = new byte[(long)count * CifarBinaryReader.ImageBytes];
        var labels = new byte[count];
        CifarBinaryReader.Read(path, Fields, keptField: 1, count, hint, pixels, labels, firstRecord: 0);
        return new ImageSet($"CIFAR-100 {(train ? "train" : "test")}", CifarBinaryReader.Channels, CifarBinaryReader.Side,
            CifarBinaryReader.Side, Classes, pixels, labels);
    }
}
