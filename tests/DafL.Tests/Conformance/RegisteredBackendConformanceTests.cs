using DafL.Backends;
using DafL.Backends.Conformance;
using DafL.Tests.Support;

namespace DafL.Tests.Conformance;

/// <summary>
/// The conformance suite on a backend that only the tests register (<see cref="LoopbackBackend"/>): every case of
/// <see cref="ParityCases"/>, CPU against the backend found by its name, each as its own test and within the one
/// tolerance table, and each case's kernel (every method that takes a tensor) must have run on that backend. The CUDA backend runs the same cases in
/// CudaConformanceTests; a further backend needs only its registration.
/// </summary>
[NonParallelizable]
public sealed class RegisteredBackendConformanceTests
{
    static readonly IReadOnlyList<ParityCase> Cases = ParityCases.All(ParitySizes.Tiny, tf32: false);
    Func<IBackend>? _previous;

    static IEnumerable<TestCaseData> EveryCase() => Cases.Select((c, i) => new TestCaseData(i).SetName($"{c.Method}({c.Case})"));

    [OneTimeSetUp]
    public void RegisterLoopback() => _previous = LoopbackBackend.Register();

    [OneTimeTearDown]
    public void RestoreRegistration() => Backend.Register(LoopbackBackend.Name, _previous);

    [TestCaseSource(nameof(EveryCase))]
    public void MatchesTheCpu(int index)
    {
        var c = Cases[index];
        var backend = Backend.For(LoopbackBackend.Device);
        long before = LoopbackBackend.Kernels[c.Method];
        var row = BackendParity.RunCase(c, ParitySide.Cpu, new ParitySide(backend, LoopbackBackend.Device), BackendParity.Seed(index));
        Assert.That(row.Pass, Is.True,
            $"{row.Method} ({row.Case}) at {row.Shape}: max |Δ| {row.MaxAbsError:G3}, relative {row.RelativeError:G3} against " +
            $"a tolerance of {row.Tolerance:G3}{(row.Note.Length > 0 ? $"; {row.Note}" : "")}");
        if (IsKernel(c.Method))
            Assert.That(LoopbackBackend.Kernels[c.Method], Is.GreaterThan(before), $"{c.Method} ran on the loopback backend");
    }

    /// <summary>The dispatch layer observes the methods that take a tensor; Synchronize and Allocate pass unobserved.</summary>
    static bool IsKernel(string method)
    {
        var m = typeof(IBackend).GetMethod(method);
        Assert.That(m, Is.Not.Null, $"{method} is an IBackend method");
        return m!.GetParameters().Any(p => p.ParameterType == typeof(Tensor));
    }
}
