using DafL.Backends;
using DafL.Backends.Conformance;
using DafL.Tests.Support;

namespace DafL.Tests.Diagnostics;

public class BackendParityTests : LeakCheckedTest
{
    static IReadOnlyList<ParityRow> AgainstCpu(IBackend candidate, bool tf32 = false) =>
        BackendParity.Run(ParitySide.Cpu, new ParitySide(candidate, Device.Cpu), ParitySizes.Tiny, tf32);

    [Test]
    public void CpuAgainstItselfPassesEveryRowWithZeroError()
    {
        var rows = AgainstCpu(Backend.Cpu);
        Assert.That(rows, Has.Count.GreaterThan(100));
        Assert.That(rows.Where(r => !r.Pass || r.MaxAbsError != 0 || r.RelativeError != 0).Select(r => $"{r.Method} {r.Case}: {r.MaxAbsError} {r.Note}"),
            Is.Empty);
    }

    [Test]
    public void EveryBackendMethodHasACaseAndEveryCaseNamesAMethod()
    {
        var methods = typeof(IBackend).GetMethods().Where(m => !m.IsSpecialName).Select(m => m.Name).ToHashSet();
        var covered = ParityCases.All(ParitySizes.Tiny, tf32: false).Select(c => c.Method).ToHashSet();
        Assert.That(methods.Except(covered), Is.Empty, "IBackend methods without a parity case");
        Assert.That(covered.Except(methods), Is.Empty, "parity cases naming no IBackend method");
    }

    [TestCaseSource(typeof(FaultyBackend), nameof(FaultyBackend.FaultableMethods))]
    public void AWrongResultIsFlaggedInExactlyItsMethod(string method)
    {
        var failing = AgainstCpu(FaultyBackend.Create(method, Fault.Perturb)).Where(r => !r.Pass).ToList();
        Assert.That(failing.Select(r => r.Method).Distinct(), Is.EqualTo(new[] { method }));
        Assert.That(failing.Select(r => r.Case), Is.EquivalentTo(ParityCases.All(ParitySizes.Tiny, false).Where(c => c.Method == method).Select(c => c.Case)),
            "every case of the method fails");
    }

    [Test]
    public void AnUnwrittenOutputIsCaughtByThePoison()
    {
        var failing = AgainstCpu(FaultyBackend.Create(nameof(IBackend.Tanh), Fault.Skip)).Where(r => !r.Pass).ToList();
        Assert.That(failing.Select(r => r.Method), Is.EqualTo(new[] { nameof(IBackend.Tanh) }));
        Assert.That(failing[0].MaxAbsError, Is.EqualTo(double.PositiveInfinity), "NaN left in the output");
    }

    [Test]
    public void AThrowingCandidateBecomesAFailedRowWithTheMessage()
    {
        var failing = AgainstCpu(FaultyBackend.Create(nameof(IBackend.MatMul), Fault.Throw)).Where(r => !r.Pass).ToList();
        Assert.That(failing, Is.Not.Empty);
        Assert.That(failing.Select(r => r.Method).Distinct(), Is.EqualTo(new[] { nameof(IBackend.MatMul) }));
        Assert.That(failing.Select(r => r.Note), Is.All.Contains("the candidate failed: InvalidOperationException: MatMul failed on purpose"));
    }

    [Test]
    public void Tf32LoosensOnlyMatrixProductsAndConvolutions()
    {
        var fp32 = ParityCases.All(ParitySizes.Tiny, tf32: false);
        var tf32 = ParityCases.All(ParitySizes.Tiny, tf32: true);
        var loosened = fp32.Zip(tf32).Where(p => p.First.Tolerance != p.Second.Tolerance).Select(p => p.First.Method).Distinct();
        Assert.That(loosened, Is.EquivalentTo(new[] { "MatMul", "Conv2dForward", "Conv2dBackwardData", "Conv2dBackwardWeight",
            "UpsampleConv2dForward", "UpsampleConv2dBackwardData", "UpsampleConv2dBackwardWeight" }));
        Assert.That(tf32.Where(c => c.Method == "MatMul" && c.Tolerance != ParityTolerance.Exact).Select(c => c.Tolerance.Relative), Is.All.EqualTo(1e-3));
    }

    [Test]
    public void EveryCaseHasItsOwnName() // NUnit runs each case as a test named by method and case
    {
        var names = ParityCases.All(ParitySizes.Tiny, tf32: false).Select(c => $"{c.Method}({c.Case})").ToList();
        Assert.That(names.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key), Is.Empty);
    }
}
