using DafL.Fuzzing;
using DafL.Tests.Support;

namespace DafL.Tests;

/// <summary>
/// Every input that coverage-guided fuzzing (<c>dotnet pwsh build.ps1 fuzz</c>, tools/Fuzz.ps1) found to crash or hang
/// a parser, kept in Fixtures/fuzz/TARGET/, runs through the same target code as under the fuzzer
/// (tools/fuzz/DafL.Fuzz/FuzzTarget.cs). Each must end in a clear rejection of the input
/// (<see cref="Errors.InputException"/> or <see cref="InvalidDataException"/>) or in success, and in bounded time.
/// </summary>
public class FuzzRegressionTests : LeakCheckedTest
{
    static readonly string KeptRoot = Path.Combine(AppContext.BaseDirectory, "Fixtures", "fuzz");
    /// <summary>Far above any parse of these small files: only a hang takes this long.</summary>
    static readonly TimeSpan HangAfter = TimeSpan.FromSeconds(30);

    string _scratch = "";

    [SetUp]
    public void MakeScratch() => _scratch = Directory.CreateTempSubdirectory("dafl-fuzz-regression-").FullName;

    [TearDown]
    public void RemoveScratch() => Directory.Delete(_scratch, recursive: true);

    static IEnumerable<TestCaseData> KeptInputs() =>
        from target in FuzzTarget.All
        let folder = Path.Combine(KeptRoot, target.Name)
        where Directory.Exists(folder)
        from file in Directory.GetFiles(folder, "*.bin").Order(StringComparer.Ordinal)
        select new TestCaseData(target.Name, Path.GetFileName(file)).SetArgDisplayNames(target.Name, Path.GetFileName(file));

    [TestCaseSource(nameof(KeptInputs))]
    public void KeptInputIsRejectedOrAccepted(string targetName, string file)
    {
        var input = File.ReadAllBytes(Path.Combine(KeptRoot, targetName, file));
        var run = Task.Run(() => FuzzTarget.Named(targetName).Run(input, _scratch));
        try
        {
            Assert.That(run.Wait(HangAfter), Is.True, $"{targetName}/{file}: no outcome after {HangAfter.TotalSeconds:0} s");
        }
        catch (AggregateException e) when (e.InnerExceptions is [var crash])
        {
            Assert.Fail($"{targetName}/{file}: {crash.GetType().FullName} instead of a rejection: {crash.Message}\n{crash.StackTrace}");
        }
    }

    [Test]
    public void EveryKeptFolderNamesATarget()
    {
        var folders = Directory.Exists(KeptRoot) ? Directory.GetDirectories(KeptRoot).Select(Path.GetFileName) : [];
        Assert.That(folders, Is.SubsetOf(FuzzTarget.All.Select(t => t.Name)));
    }
}
