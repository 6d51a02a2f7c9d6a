using DafL.Native;

namespace DafL.Tests.Native;

public class LibraryLocatorTests
{
    [Test]
    public void EnvironmentVariableComesBeforeToolkitAndWheels()
    {
        using var fs = new FakeFileSystem();
        fs.File("/usr/local/cuda/lib64/libcublas.so.12");
        fs.File("/usr/local/lib/python3.11/dist-packages/nvidia/cu13/lib/libcublas.so.13");
        string chosen = fs.File("/opt/mine/libcublas.so.13");
        fs.Set("DAFL_CUBLAS", chosen);

        var location = fs.Locator().Locate(CudaLibrary.Cublas);

        Assert.That(location.Source, Is.EqualTo(LibrarySource.EnvironmentVariable));
        Assert.That(location.Candidates, Is.EqualTo(new[] { chosen }));
        Assert.That(location.Problem, Is.Null);
    }

    [Test]
    public void EnvironmentVariableNamingNoFileIsReportedNotReplaced()
    {
        using var fs = new FakeFileSystem();
        fs.File("/usr/local/cuda/lib64/libcudnn.so.9");
        fs.Set("DAFL_CUDNN", "/nowhere/libcudnn.so.9");

        var location = fs.Locator().Locate(CudaLibrary.Cudnn);

        Assert.That(location.Source, Is.EqualTo(LibrarySource.EnvironmentVariable));
        Assert.That(location.Problem, Does.Contain("DAFL_CUDNN=/nowhere/libcudnn.so.9").And.Contain("no existing file"));
    }

    [Test]
    public void WheelsComeBeforeTheToolkit()
    {
        using var fs = new FakeFileSystem();
        fs.File("/usr/lib/x86_64-linux-gnu/libnvrtc.so.11.2");
        string wheel = fs.File("/usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib/libnvrtc.so.13");

        var location = fs.Locator().Locate(CudaLibrary.Nvrtc);

        Assert.That(location.Source, Is.EqualTo(LibrarySource.PythonWheel));
        Assert.That(location.Candidates, Is.EqualTo(new[] { wheel }));
    }

    [Test]
    public void TheToolkitIsSearchedWhenNoWheelHasTheLibrary()
    {
        using var fs = new FakeFileSystem();
        string toolkit = fs.File("/usr/lib/x86_64-linux-gnu/libnvrtc.so.11.2");
        fs.File("/usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib/libcublas.so.13");

        var location = fs.Locator().Locate(CudaLibrary.Nvrtc);

        Assert.That(location.Source, Is.EqualTo(LibrarySource.Toolkit));
        Assert.That(location.Candidates, Is.EqualTo(new[] { toolkit }));
    }

    [Test]
    public void TheDriverComesFromTheLoaderNotFromToolkitFolders()
    {
        using var fs = new FakeFileSystem();
        fs.File("/usr/local/cuda/lib64/libcuda.so.1"); // a compat or stub copy must not shadow the installed driver's

        var location = fs.Locator().Locate(CudaLibrary.Driver);

        Assert.That(location.Source, Is.EqualTo(LibrarySource.LoaderDefault));
        Assert.That(location.Candidates, Is.EqualTo(new[] { "libcuda.so.1" }));
        Assert.That(location.Searched, Does.Not.Contain("/usr/local/cuda/lib64"));
    }

    [Test]
    public void APreferredMajorIsLookedForInEveryFolderFirst()
    {
        using var fs = new FakeFileSystem();
        fs.File("/usr/local/lib/python3.12/dist-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12");
        string thirteen = fs.File("/usr/local/cuda/lib64/libnvrtc.so.13");

        Assert.That(fs.Locator().Locate(CudaLibrary.Nvrtc, preferredMajor: "13").Candidates, Is.EqualTo(new[] { thirteen }));
        Assert.That(fs.Locator().Locate(CudaLibrary.Nvrtc, preferredMajor: "11").FileName, Is.EqualTo("libnvrtc.so.12"), "without one, the usual order");
    }

    [Test]
    public void ToolkitFoldersInOrderCudaThenVersionedNewestFirstThenDebian()
    {
        using var fs = new FakeFileSystem();
        Directory.CreateDirectory(fs.PathOf("/usr/local/cuda-12.2/lib64"));
        Directory.CreateDirectory(fs.PathOf("/usr/local/cuda-12.10/lib64"));
        Directory.CreateDirectory(fs.PathOf("/usr/local/cuda-11.8/lib64"));

        var directories = fs.SearchPaths().ToolkitDirectories;

        Assert.That(directories, Is.EqualTo(new[]
        {
            fs.PathOf("/usr/local/cuda/lib64"), fs.PathOf("/usr/local/cuda-12.10/lib64"), fs.PathOf("/usr/local/cuda-12.2/lib64"),
            fs.PathOf("/usr/local/cuda-11.8/lib64"), fs.PathOf("/usr/lib/x86_64-linux-gnu"),
        }));
    }

    [Test]
    public void NewestMajorVersionFirstWithinAFolder()
    {
        using var fs = new FakeFileSystem();
        fs.File("/usr/local/cuda/lib64/libcublas.so.11");
        string newest = fs.File("/usr/local/cuda/lib64/libcublas.so.12");

        Assert.That(fs.Locator().Locate(CudaLibrary.Cublas).Candidates, Is.EqualTo(new[] { newest }));
    }

    [Test]
    public void WheelFoundThroughPythonPath()
    {
        using var fs = new FakeFileSystem();
        string site = fs.PathOf("/work/venv-site");
        string wheel = fs.File("/work/venv-site/nvidia/cu13/lib/libnvrtc.so.13");
        fs.Set("PYTHONPATH", $"/does/not/exist:{site}");

        var location = fs.Locator().Locate(CudaLibrary.Nvrtc);

        Assert.That(location.Source, Is.EqualTo(LibrarySource.PythonWheel));
        Assert.That(location.Candidates, Is.EqualTo(new[] { wheel }));
    }

    [Test]
    public void WheelsFoundInDistPackagesHomeAndVirtualEnvironment()
    {
        using var fs = new FakeFileSystem();
        string cudnn = fs.File("/usr/local/lib/python3.12/dist-packages/nvidia/cudnn/lib/libcudnn.so.9");
        Assert.That(fs.Locator().Locate(CudaLibrary.Cudnn).Candidates, Is.EqualTo(new[] { cudnn }));

        fs.Set("HOME", fs.PathOf("/home/u"));
        string user = fs.File("/home/u/.local/lib/python3.11/site-packages/nvidia/cudnn/lib/libcudnn.so.9");
        Assert.That(fs.Locator().Locate(CudaLibrary.Cudnn).Candidates, Is.EqualTo(new[] { user }), "~/.local before /usr/local");

        fs.Set("VIRTUAL_ENV", fs.PathOf("/venv"));
        string venv = fs.File("/venv/lib/python3.12/site-packages/nvidia/cudnn/lib/libcudnn.so.9");
        Assert.That(fs.Locator().Locate(CudaLibrary.Cudnn).Candidates, Is.EqualTo(new[] { venv }), "the active environment first");
    }

    [Test]
    public void Cuda12WheelsKeepOneFolderPerComponent()
    {
        using var fs = new FakeFileSystem();
        string cublas = fs.File("/usr/local/lib/python3.10/dist-packages/nvidia/cublas/lib/libcublas.so.12");
        string nvrtc = fs.File("/usr/local/lib/python3.10/dist-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12");

        var locator = fs.Locator();

        Assert.That(locator.Locate(CudaLibrary.Cublas).Candidates, Is.EqualTo(new[] { cublas }));
        Assert.That(locator.Locate(CudaLibrary.Nvrtc).Candidates, Is.EqualTo(new[] { nvrtc }));
    }

    [Test]
    public void NothingFoundLeavesVersionedNamesToTheLoaderAndSaysWhereItLooked()
    {
        using var fs = new FakeFileSystem();

        var location = fs.Locator().Locate(CudaLibrary.Driver);

        Assert.That(location.Source, Is.EqualTo(LibrarySource.LoaderDefault));
        Assert.That(location.Candidates, Is.EqualTo(new[] { "libcuda.so.1" }), "libcuda.so (the dev link) is never asked for");
        Assert.That(location.Searched, Does.Contain("DAFL_CUDA_DRIVER").And.Contain("the loader's default search"));
        var cublas = fs.Locator().Locate(CudaLibrary.Cublas);
        Assert.That(cublas.Candidates, Is.EqualTo(new[] { "libcublas.so.13", "libcublas.so.12", "libcublas.so.11" }));
        Assert.That(cublas.Searched, Does.Contain(fs.PathOf("/usr/local/cuda/lib64")), "the reason says where it looked");
    }

    [Test]
    public void CublasLtIsTheOneBesideCublasWithItsMajorVersion()
    {
        using var fs = new FakeFileSystem();
        fs.File("/usr/local/cuda/lib64/libcublas.so.12");
        string lt = fs.File("/usr/local/cuda/lib64/libcublasLt.so.12");
        fs.File("/usr/local/cuda/lib64/libcublasLt.so.12.4.5.8");
        fs.File("/usr/local/cuda/lib64/libcublasLt.so.13");
        fs.File("/usr/lib/x86_64-linux-gnu/libcublasLt.so.12");
        var locator = fs.Locator();

        var companion = locator.LocateCompanion(CudaLibrary.CublasLt, locator.Locate(CudaLibrary.Cublas));

        Assert.That(companion, Is.Not.Null);
        Assert.That(companion!.Source, Is.EqualTo(LibrarySource.BesideParent));
        Assert.That(companion.Candidates, Is.EqualTo(new[] { lt }));
    }

    [Test]
    public void NvrtcBuiltinsMatchNvrtcsMajorVersionAndSkipAltBuilds()
    {
        using var fs = new FakeFileSystem();
        fs.File("/usr/lib/x86_64-linux-gnu/libnvrtc.so.11.2");
        string builtins = fs.File("/usr/lib/x86_64-linux-gnu/libnvrtc-builtins.so.11.8");
        fs.File("/usr/lib/x86_64-linux-gnu/libnvrtc-builtins.so.11.8.89");
        fs.File("/usr/lib/x86_64-linux-gnu/libnvrtc-builtins.so.12.0");
        fs.File("/opt/site/nvidia/cu13/lib/libnvrtc.so.13");
        string builtins13 = fs.File("/opt/site/nvidia/cu13/lib/libnvrtc-builtins.so.13.0");
        fs.File("/opt/site/nvidia/cu13/lib/libnvrtc-builtins.alt.so.13.0");
        fs.File("/opt/site/nvidia/cu13/lib/libnvrtc-builtins.so.13.0.bak");
        var locator = fs.Locator();

        var debian = locator.LocateCompanion(CudaLibrary.NvrtcBuiltins, locator.Locate(CudaLibrary.Nvrtc));
        Assert.That(debian?.Candidates, Is.EqualTo(new[] { builtins }));

        var wheelNvrtc = new LibraryLocation(CudaLibrary.Nvrtc, LibrarySource.PythonWheel, [fs.PathOf("/opt/site/nvidia/cu13/lib/libnvrtc.so.13")], "");
        Assert.That(locator.LocateCompanion(CudaLibrary.NvrtcBuiltins, wheelNvrtc)?.Candidates, Is.EqualTo(new[] { builtins13 }));
    }

    [Test]
    public void MissingBuiltinsAreLeftToNvrtcButMissingCublasLtGoesToTheLoaderByItsSoname()
    {
        using var fs = new FakeFileSystem();
        fs.File("/usr/local/cuda/lib64/libnvrtc.so.12");
        fs.File("/usr/local/cuda/lib64/libcublas.so.12");
        var locator = fs.Locator();

        Assert.That(locator.LocateCompanion(CudaLibrary.NvrtcBuiltins, locator.Locate(CudaLibrary.Nvrtc)), Is.Null);
        var lt = locator.LocateCompanion(CudaLibrary.CublasLt, locator.Locate(CudaLibrary.Cublas));
        Assert.That(lt?.Source, Is.EqualTo(LibrarySource.LoaderDefault));
        Assert.That(lt?.Candidates, Is.EqualTo(new[] { "libcublasLt.so.12" }));
    }

    [Test]
    public void CompanionEnvironmentVariableWins()
    {
        using var fs = new FakeFileSystem();
        fs.File("/usr/local/cuda/lib64/libcublas.so.12");
        fs.File("/usr/local/cuda/lib64/libcublasLt.so.12");
        string chosen = fs.File("/elsewhere/libcublasLt.so.12");
        fs.Set("DAFL_CUBLASLT", chosen);
        var locator = fs.Locator();

        var lt = locator.LocateCompanion(CudaLibrary.CublasLt, locator.Locate(CudaLibrary.Cublas));

        Assert.That(lt?.Source, Is.EqualTo(LibrarySource.EnvironmentVariable));
        Assert.That(lt?.Candidates, Is.EqualTo(new[] { chosen }));
    }

    [Test]
    public void CompanionsAreNotLocatedOnTheirOwn()
    {
        using var fs = new FakeFileSystem();
        var locator = fs.Locator();
        Assert.That(() => locator.Locate(CudaLibrary.CublasLt), Throws.ArgumentException.With.Message.Contains("LocateCompanion"));
    }
}
