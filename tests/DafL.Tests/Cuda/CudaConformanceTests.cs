using DafL.Backends.Conformance;
using DafL.Backends.Cuda;

namespace DafL.Tests.CudaTests;

/// <summary>
/// The conformance suite, CPU against the registered CUDA backend: every case of <see cref="ParityCases"/> at
/// <see cref="ParitySizes.Tiny"/>, each as its own test, within the one tolerance table (<see cref="ParityTolerance"/>).
/// <c>dafl doctor --device cuda</c> runs the same cases at DAFL's sizes on a GPU; here they run on the mock GPU in CI.
/// </summary>
public sealed class CudaConformanceTests : CudaBackendTest
{
    static readonly IReadOnlyList<ParityCase> Cases = ParityCases.All(ParitySizes.Tiny, tf32: false);

    static IEnumerable<TestCaseData> EveryCase() => Cases.Select((c, i) => new TestCaseData(i).SetName($"{c.Method}({c.Case})"));

    [TestCaseSource(nameof(EveryCase))]
    public void MatchesTheCpu(int index)
    {
        var row = BackendParity.RunCase(Cases[index], ParitySide.Cpu, new ParitySide(Gpu, Device.Cuda), BackendParity.Seed(index));
        Assert.That(row.Pass, Is.True,
            $"{row.Method} ({row.Case}) at {row.Shape}: max |Δ| {row.MaxAbsError:G3}, relative {row.RelativeError:G3} against " +
            $"a tolerance of {row.Tolerance:G3}{(row.Note.Length > 0 ? $"; {row.Note}" : "")}");
    }
}
