using System.Text;
using System.Text.Json;
using DafL.IO;
using DafL.Training;

namespace DafL.Tests.Support;

/// <summary>Assertions on DAFL run folders.</summary>
public static class RunFolderAssert
{
    /// <summary>The last student, the generator and the resume state of two runs hold the same tensors, bit for bit.</summary>
    public static void SameCheckpoints(string expectedDir, string actualDir)
    {
        foreach (var file in new[] { "student.safetensors", "generator.safetensors", "state.safetensors" })
        {
            using var a = SafeTensors.Load(Path.Combine(expectedDir, file));
            using var b = SafeTensors.Load(Path.Combine(actualDir, file));
            Assert.That(b.Names, Is.EqualTo(a.Names), file);
            foreach (var name in a.Names)
                Assert.That(b.Tensors[name].ToArray(), Is.EqualTo(a.Tensors[name].ToArray()), $"{file}: {name}");
        }
    }

    /// <summary>
    /// For runs on two backends: the student and the generator within <paramref name="relative"/> of each tensor's
    /// largest magnitude (<see cref="StateAssert.Close"/>; the generator without <see cref="GeneratorNoise.Keys"/>),
    /// and the bookkeeping of all three checkpoints (tensor names; epoch, step counts and noise offset in the
    /// metadata) the same.
    /// </summary>
    public static void CloseCheckpoints(string expectedDir, string actualDir, double relative, string why)
    {
        foreach (var file in new[] { "student.safetensors", "generator.safetensors", "state.safetensors" })
        {
            using var a = SafeTensors.Load(Path.Combine(expectedDir, file));
            using var b = SafeTensors.Load(Path.Combine(actualDir, file));
            Assert.That(b.Names, Is.EqualTo(a.Names), file);
            Assert.That(b.Metadata.Where(m => m.Key != "run_id"), Is.EquivalentTo(a.Metadata.Where(m => m.Key != "run_id")), $"{file}: metadata");
            if (file == "state.safetensors") continue; // the same weights again, and Adam's moments, which are noise for the noise-only biases
            var (expected, actual) = (Named(a), Named(b));
            if (file == "generator.safetensors") (expected, actual) = (GeneratorNoise.Without(expected), GeneratorNoise.Without(actual));
            StateAssert.Close(file, expected, actual, relative, why);
        }
    }

    /// <summary>
    /// The last student, the generator and the resume state of two runs are the same files, byte for byte, but for
    /// the run id in the state (each run has its own): nothing in them depends on timing or on the interruptions.
    /// </summary>
    public static void SameFiles(string expectedDir, string actualDir)
    {
        foreach (var file in new[] { "student.safetensors", "generator.safetensors" })
            Assert.That(File.ReadAllBytes(Path.Combine(actualDir, file)), Is.EqualTo(File.ReadAllBytes(Path.Combine(expectedDir, file))),
                $"{file}: the bytes of {actualDir} and {expectedDir}");
        // The state holds its run's id (and so its own checksum): the rest must be the same, bit for bit.
        using var expected = SafeTensors.Load(Path.Combine(expectedDir, DaflDistiller.StateFile));
        using var actual = SafeTensors.Load(Path.Combine(actualDir, DaflDistiller.StateFile));
        Assert.That(actual.Metadata.Where(e => e.Key != "run_id"), Is.EquivalentTo(expected.Metadata.Where(e => e.Key != "run_id")), "state metadata");
        Assert.That(actual.Names, Is.EqualTo(expected.Names), "state tensors");
        foreach (var name in expected.Names)
            Assert.That(actual.Tensors[name].ToArray(), Is.EqualTo(expected.Tensors[name].ToArray()), $"state tensor {name}");
    }

    /// <summary>
    /// A finished run folder of <paramref name="epochs"/> epochs is consistent: no temporary file of a write, the
    /// metrics log with epochs 1, 2, … once each and in order, and config.json's run id in the state.
    /// </summary>
    public static void Consistent(string dir, int epochs)
    {
        Assert.That(Directory.GetFiles(dir, "*.tmp-*"), Is.Empty, $"{dir}: temporary files");
        var logged = File.ReadAllLines(Path.Combine(dir, DaflDistiller.MetricsFile)).Select(line =>
        {
            using var record = JsonDocument.Parse(line);
            return record.RootElement.GetProperty("epoch").GetInt32();
        });
        Assert.That(logged, Is.EqualTo(Enumerable.Range(1, epochs)), $"{dir}: the epochs in the metrics log");
        using var state = SafeTensors.Load(Path.Combine(dir, DaflDistiller.StateFile));
        Assert.That(state.Metadata["run_id"], Is.EqualTo(RunId(dir)), $"{dir}: the state's run id is config.json's");
        Assert.That(state.Metadata["epoch"], Is.EqualTo(epochs.ToString(System.Globalization.CultureInfo.InvariantCulture)), $"{dir}: the state's epoch");
    }

    static string RunId(string dir) => DistillConfig.Load(Path.Combine(dir, DaflDistiller.ConfigFile)).RunId;

    static IEnumerable<(string Name, float[] Values)> Named(SafeTensorsFile file) => file.Names.Select(n => (n, file.Tensors[n].ToArray()));
}
