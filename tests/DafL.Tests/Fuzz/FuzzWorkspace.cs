using System.Text.RegularExpressions;
using DafL.IO;
using DafL.Models;
using DafL.Random;
using DafL.Tests.Data;
using DafL.Tests.Support;
using DafL.Training;

namespace DafL.Tests.Fuzz;

/// <summary>
/// The valid inputs the mutation suite starts from, written once into a temporary folder: a LeNet-5 teacher (random
/// weights, saved as `dafl teacher` saves), a tiny MNIST (16 training and 16 test images, raw and gzipped in two data
/// roots) and a finished one-epoch distillation run to resume. Every command it runs is sized to take milliseconds.
/// </summary>
public sealed partial class FuzzWorkspace : IDisposable
{
    public const int Images = 16;
    /// <summary>In memory where Linux offers it (/dev/shm): a campaign writes thousands of checkpoints, each flushed to disk.</summary>
    public string Root { get; } = Directory.Exists("/dev/shm")
        ? Directory.CreateDirectory(Path.Combine("/dev/shm", $"dafl-fuzz-{Guid.NewGuid():N}")).FullName
        : Directory.CreateTempSubdirectory("dafl-fuzz-").FullName;
    public string Teacher => Path.Combine(Root, "teacher.safetensors");
    /// <summary>A data root with mnist/ holding raw IDX files.</summary>
    public string RawData => Path.Combine(Root, "data-raw");
    /// <summary>A data root with mnist/ holding only gzipped IDX files.</summary>
    public string GzData => Path.Combine(Root, "data-gz");
    /// <summary>The finished run that <see cref="ResumeArgs"/> continues; never changed (copied to a work folder).</summary>
    public string Run => Path.Combine(Root, "run");

    /// <summary>The arguments that make <see cref="Run"/>, and with --epochs 2 --resume continue it.</summary>
    static string[] DistillArgs(string teacher, string output, int epochs) =>
        ["distill", "--teacher", teacher, "--preset", "mnist-quick", "--batch", "4", "--iters", "2", "--epochs", $"{epochs}",
            "--gen-width", "8", "--latent", "8", "--seed", "3", "--no-eval", "--device", "cpu", "--out", output];

    public string[] ResumeArgs(string runDir) => [.. DistillArgs(Teacher, runDir, 2), "--resume"];

    public FuzzWorkspace()
    {
        using (var teacher = LeNet5.Full(new Philox(99)))
            Checkpoint.SaveModel(Teacher, teacher, TeacherConfig.Official("mnist").ToJson());
        foreach (var split in new[] { "train", "t10k" })
        {
            var images = SyntheticDataFiles.IdxImages(Images, 28, 28);
            var labels = SyntheticDataFiles.IdxLabels(SyntheticDataFiles.CyclicLabels(Images));
            WriteIdx(RawData, $"{split}-images-idx3-ubyte", images, gzip: false);
            WriteIdx(RawData, $"{split}-labels-idx1-ubyte", labels, gzip: false);
            WriteIdx(GzData, $"{split}-images-idx3-ubyte", images, gzip: true);
            WriteIdx(GzData, $"{split}-labels-idx1-ubyte", labels, gzip: true);
        }
        var made = InProcessCli.Run(DistillArgs(Teacher, Run, 1));
        if (made.ExitCode != 0) throw new InvalidOperationException($"the fuzz workspace's run could not be made: {made}");
        PinRunId(Run);
    }

    /// <summary>
    /// A run id every workspace shares. A run draws its id at random, and a mutation at a given byte would then meet
    /// other bytes in each workspace: with the id pinned, mutation i of a kind is the same on every machine and every
    /// run. The id is in config.json and in the state's metadata, which is written again with its checksum.
    /// </summary>
    static void PinRunId(string runDir)
    {
        const string pinned = "0123456789abcdef";
        string configPath = Path.Combine(runDir, DaflDistiller.ConfigFile), statePath = Path.Combine(runDir, DaflDistiller.StateFile);
        var config = DistillConfig.Load(configPath);
        File.WriteAllText(configPath, (config with { RunId = pinned }).ToJson());
        Dictionary<string, string> metadata;
        var tensors = new List<(string Name, Tensor Tensor)>();
        using (var state = SafeTensors.Load(statePath))
        {
            metadata = state.Metadata.ToDictionary();
            foreach (var name in state.Names) tensors.Add((name, state.Tensors[name].Clone()));
        }
        metadata["run_id"] = pinned;
        SafeTensors.Save(statePath, tensors, metadata);
        foreach (var (_, t) in tensors) t.Dispose();
    }

    public static string MnistFolder(string dataRoot) => Path.Combine(dataRoot, "mnist");

    /// <summary>Writes an IDX file under <paramref name="dataRoot"/>/mnist, gzipped (named .gz) when asked.</summary>
    public static string WriteIdx(string dataRoot, string name, byte[] bytes, bool gzip)
    {
        Directory.CreateDirectory(MnistFolder(dataRoot));
        string path = Path.Combine(MnistFolder(dataRoot), gzip ? name + ".gz" : name);
        File.WriteAllBytes(path, gzip ? SyntheticDataFiles.Gzip(bytes) : bytes);
        return path;
    }

    /// <summary>A fresh copy of the finished run, to be resumed or damaged.</summary>
    public string CopyRun(string name)
    {
        string dir = Path.Combine(Root, name);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(Run)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        return dir;
    }

    /// <summary>The result of a run folder: the bytes of its checkpoints (every write here is deterministic).</summary>
    public static byte[][] CheckpointBytes(string runDir) =>
        [.. new[] { "state.safetensors", "student.safetensors", "generator.safetensors" }.Select(f => File.ReadAllBytes(Path.Combine(runDir, f)))];

    public static bool Same(byte[][] a, byte[][] b) => a.Length == b.Length && a.Zip(b).All(p => p.First.AsSpan().SequenceEqual(p.Second));

    /// <summary>A command's output without its timings (seconds, milliseconds), which differ between identical runs.</summary>
    public static string WithoutTimings(string output) => Timing().Replace(output, "T");

    [GeneratedRegex(@"\d+(\.\d+)?\s?m?s\b")]
    private static partial Regex Timing();

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
