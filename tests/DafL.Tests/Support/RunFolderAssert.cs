using DafL.IO;

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
            Assert.That(b.Metadata, Is.EquivalentTo(a.Metadata), $"{file}: metadata");
            if (file == "state.safetensors") continue; // the same weights again, and Adam's moments, which are noise for the noise-only biases
            var (expected, actual) = (Named(a), Named(b));
            if (file == "generator.safetensors") (expected, actual) = (GeneratorNoise.Without(expected), GeneratorNoise.Without(actual));
            StateAssert.Close(file, expected, actual, relative, why);
        }
    }

    static IEnumerable<(string Name, float[] Values)> Named(SafeTensorsFile file) => file.Names.Select(n => (n, file.Tensors[n].ToArray()));
}
