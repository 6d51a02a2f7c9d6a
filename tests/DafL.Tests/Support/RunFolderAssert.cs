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
}
