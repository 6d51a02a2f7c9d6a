namespace DafL.Tests.Support;

/// <summary>
/// Base of leak-checked tests that write files: each test gets its own new folder, <see cref="Dir"/>, under the
/// temporary folder, removed with everything in it after the test.
/// </summary>
public abstract class TempFolderTest : LeakCheckedTest
{
    protected string Dir { get; private set; } = "";

    [SetUp]
    public void CreateFolder() => Dir = Directory.CreateTempSubdirectory($"dafl-{GetType().Name}-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(Dir, recursive: true);
}
