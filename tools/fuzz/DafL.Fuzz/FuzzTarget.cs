using DafL.Data;
using DafL.Errors;
using DafL.IO;
using DafL.Training;

namespace DafL.Fuzzing;

/// <summary>
/// One parser under fuzz: the input is written to a file named <see cref="FileName"/> (its extension chooses the
/// reader, as it does for a user's file, e.g. .gz) and handed to the public loader. A rejection the user can act on
/// (<see cref="InputException"/>, <see cref="InvalidDataException"/>) is a correct outcome; any other exception
/// escapes, which the fuzzer records as a crash. The fuzz program and the regression tests both run this code, so a
/// kept crash input is replayed exactly as it was found.
/// </summary>
public sealed class FuzzTarget
{
    FuzzTarget(string name, string fileName, Action<string> load)
    {
        Name = name;
        FileName = fileName;
        _load = load;
    }

    readonly Action<string> _load;

    /// <summary>The target's name: the fuzz program's argument and the folder of its seeds and kept inputs.</summary>
    public string Name { get; }
    /// <summary>The name of the file the input is written to.</summary>
    public string FileName { get; }

    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("safetensors", "input.safetensors", path =>
        {
            using var file = SafeTensors.Load(path);
        }),
        new("idx-images", "input-images-idx3-ubyte", path => IdxReader.ReadImages(path, 28, 28, FetchHints.MnistFamily)),
        new("idx-images-gz", "input-images-idx3-ubyte.gz", path => IdxReader.ReadImages(path, 28, 28, FetchHints.MnistFamily)),
        new("idx-labels", "input-labels-idx1-ubyte", path => IdxReader.ReadLabels(path, 10, FetchHints.MnistFamily)),
        new("config", "config.json", path => DistillConfig.FromJson(File.ReadAllText(path), path)),
    ];

    /// <summary>The target called <paramref name="name"/>, or an <see cref="ArgumentException"/> listing the names.</summary>
    public static FuzzTarget Named(string name) =>
        All.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"no fuzz target '{name}'; the targets are {string.Join(", ", All.Select(t => t.Name))}");

    /// <summary>Whether <paramref name="e"/> is a correct rejection of bad input rather than a crash.</summary>
    public static bool IsRejection(Exception e) => e is InputException or InvalidDataException;

    /// <summary>
    /// Writes <paramref name="input"/> to this target's file in <paramref name="folder"/> and loads it. Returns the
    /// rejection when the loader refused the input correctly, null when it accepted it; any other exception escapes.
    /// </summary>
    public Exception? Run(ReadOnlySpan<byte> input, string folder)
    {
        string path = Path.Combine(folder, FileName);
        using (var file = File.Create(path)) file.Write(input);
        try
        {
            _load(path);
            return null;
        }
        catch (Exception e) when (IsRejection(e))
        {
            return e;
        }
    }
}
