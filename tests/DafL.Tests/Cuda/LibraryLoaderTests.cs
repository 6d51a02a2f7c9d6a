using DafL.Native;

namespace DafL.Tests.Native;

public class LibraryLoaderTests
{
    [Test]
    public void CudnnLoadsItsDependenciesFirstInPreloadOrder()
    {
        using var fs = new FakeFileSystem();
        foreach (var name in new[] { "libcudnn.so.9", "libnvrtc.so.12", "libnvrtc-builtins.so.12.8", "libcublas.so.12", "libcublasLt.so.12" })
            fs.File("/usr/local/cuda/lib64/" + name);
        foreach (var part in new[] { "cnn", "ops", "graph", "adv", "engines_precompiled" }) fs.File($"/usr/local/cuda/lib64/libcudnn_{part}.so.9");
        var loader = new LibraryLoader(fs.Locator());

        bool loaded = loader.TryLoad(CudaLibrary.Cudnn, out nint handle, out string failure);

        Assert.That(loaded, Is.False, "the files are not libraries");
        Assert.That(handle, Is.EqualTo((nint)0));
        Assert.That(failure, Does.Contain(fs.PathOf("/usr/local/cuda/lib64/libcudnn.so.9")).And.Contain("could not be loaded"));
        var order = loader.Log.Select(line => line[..line.IndexOf(':')]).ToArray();
        Assert.That(order, Is.EqualTo(new[] { "cuBLASLt", "cuBLAS", "nvrtc-builtins", "NVRTC", "cuDNN", "cuDNN", "cuDNN", "cuDNN", "cuDNN", "cuDNN" }),
            string.Join("\n", loader.Log));
        var subLibraries = loader.Log.Where(line => line.Contains("preloading")).Select(line => line.Split(' ')[2]).Select(Path.GetFileName).ToArray();
        Assert.That(subLibraries, Is.EqualTo(new[] { "libcudnn_graph.so.9", "libcudnn_engines_precompiled.so.9", "libcudnn_ops.so.9", "libcudnn_cnn.so.9", "libcudnn_adv.so.9" }),
            "cuDNN's sub-libraries are tried before the shim, in dependency order");
    }

    [Test]
    public void LeftToTheLoaderEachCublasVersionIsPrecededByItsCublasLt()
    {
        foreach (var name in new[] { "libcublas.so.13", "libcublas.so.12", "libcublas.so.11" })
            if (System.Runtime.InteropServices.NativeLibrary.TryLoad(name, out _))
                Assert.Ignore($"{name} is installed here: this test needs a machine where the loader finds no cuBLAS.");
        using var fs = new FakeFileSystem();
        var loader = new LibraryLoader(fs.Locator());

        Assert.That(loader.TryLoad(CudaLibrary.Cublas, out _, out string failure), Is.False);

        var tried = loader.Log.Select(line => line.Split(' ')[2]).ToArray();
        Assert.That(tried, Is.EqualTo(new[]
        {
            "libcublasLt.so.13", "libcublas.so.13", "libcublasLt.so.12", "libcublas.so.12", "libcublasLt.so.11", "libcublas.so.11",
        }), string.Join("\n", loader.Log));
        Assert.That(failure, Does.StartWith("libcublas.so.13 / libcublas.so.12 / libcublas.so.11 was not found; searched DAFL_CUBLAS (unset)"));
    }

    [Test]
    public void NvrtcOfAnotherCudaMajorThanCublasIsRefusedNamingBoth()
    {
        using var fs = new FakeFileSystem();
        string cublas = fs.File("/usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib/libcublas.so.13");
        fs.File("/usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib/libcublasLt.so.13");
        string nvrtc = fs.File("/usr/local/cuda/lib64/libnvrtc.so.12");
        var loader = new LibraryLoader(fs.Locator());

        Assert.That(loader.TryLoad(CudaLibrary.Nvrtc, out _, out string failure), Is.False);

        Assert.That(failure, Does.Contain(nvrtc).And.Contain(cublas).And.Contain("one CUDA major").And.Contain("DAFL_NVRTC"));
        Assert.That(loader.Log, Has.None.Contains("loading " + nvrtc), "a mismatched NVRTC is not even loaded");
    }

    [Test]
    public void EachLibraryIsAttemptedOnce()
    {
        using var fs = new FakeFileSystem();
        fs.File("/usr/local/cuda/lib64/libcublas.so.12");
        fs.File("/usr/local/cuda/lib64/libcublasLt.so.12");
        var loader = new LibraryLoader(fs.Locator());

        loader.TryLoad(CudaLibrary.Cublas, out _, out string first);
        loader.TryLoad(CudaLibrary.CublasLt, out _, out _);
        loader.TryLoad(CudaLibrary.Cublas, out _, out string second);

        Assert.That(loader.Log, Has.Count.EqualTo(2), string.Join("\n", loader.Log));
        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void AnEnvironmentVariableNamingNoFileMakesTheLibraryUnavailableWithThatReason()
    {
        using var fs = new FakeFileSystem();
        fs.Set("DAFL_NVRTC", "/missing/libnvrtc.so.12");
        var loader = new LibraryLoader(fs.Locator());

        Assert.That(loader.TryLoad(CudaLibrary.Nvrtc, out _, out string failure), Is.False);
        Assert.That(failure, Does.Contain("DAFL_NVRTC=/missing/libnvrtc.so.12"));
        Assert.That(loader.TryLoad(CudaLibrary.NvrtcBuiltins, out _, out string companion), Is.False);
        Assert.That(companion, Does.Contain("because NVRTC cannot be"));
    }

    [Test]
    public void AFileThatIsNoLibrarySaysWhereItCameFromAndWhatTheLoaderSaid()
    {
        using var fs = new FakeFileSystem();
        fs.Set("DAFL_CUDA_DRIVER", fs.File("/opt/fake/libcuda.so.1"));
        var loader = new LibraryLoader(fs.Locator());

        Assert.That(loader.TryLoad(CudaLibrary.Driver, out _, out string failure), Is.False);
        Assert.That(failure, Does.Contain(fs.PathOf("/opt/fake/libcuda.so.1")).And.Contain("named by its environment variable").And.Contain("Loader:"));
    }
}
