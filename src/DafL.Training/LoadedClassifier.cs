using DafL.Models;

namespace DafL.Training;

/// <summary>
/// A classifier loaded from a checkpoint by <see cref="ModelCatalog.Load"/>, with what was recognised of it: the
/// architecture (one of <see cref="ModelCatalog.Architectures"/>), the class count and the input channels. The
/// holder owns <see cref="Model"/> and disposes it.
/// </summary>
public sealed record LoadedClassifier(Classifier Model, string Arch, int Classes, int Channels)
{
    /// <summary>What reading the file changed, one line each ("3 float16 tensors converted to float32"), for the user to see once.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
