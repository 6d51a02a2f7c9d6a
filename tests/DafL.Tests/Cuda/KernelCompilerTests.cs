using DafL.Backends.Cuda.Kernels;
using DafL.Native;

namespace DafL.Tests.Native;

public class KernelCompilerTests
{
    const string Fill = """
        extern "C" __global__ void fill_f32(float* y, int n, float value)
        {
            for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) y[i] = value;
        }
        """;

    string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("dafl-kernels-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    string CacheDirectory => Path.Combine(_directory, "cache");

    [Test]
    public void CompilesOnceThenAnswersFromTheCache()
    {
        NvrtcTests.RequireNvrtc();
        var compiler = new KernelCompiler(CacheDirectory);

        byte[] first = compiler.Compile(Fill, "fill.cu", "sm_90");
        var files = Directory.GetFiles(CacheDirectory);
        Assert.That(files, Has.Length.EqualTo(1));
        Assert.That(Path.GetFileName(files[0]), Does.Match(@"^fill\.sm_90\.[0-9a-f]{32}\.cubin$"));
        Assert.That(File.ReadAllBytes(files[0]), Is.EqualTo(first));

        // Replace the cached bytes: getting them back proves the second call read the cache instead of compiling.
        File.WriteAllBytes(files[0], [1, 2, 3]);
        Assert.That(new KernelCompiler(CacheDirectory).Compile(Fill, "fill.cu", "sm_90"), Is.EqualTo(new byte[] { 1, 2, 3 }));
    }

    [Test]
    public void SourceArchitectureAndOptionsAreAllInTheKey()
    {
        NvrtcTests.RequireNvrtc();
        var compiler = new KernelCompiler(CacheDirectory);
        compiler.Compile(Fill, "fill.cu", "sm_90");
        compiler.Compile(Fill, "fill.cu", "sm_80");
        compiler.Compile(Fill + "\n// changed\n", "fill.cu", "sm_90");
        new KernelCompiler(CacheDirectory, ["-default-device"]).Compile(Fill, "fill.cu", "sm_90");

        Assert.That(Directory.GetFiles(CacheDirectory), Has.Length.EqualTo(4));
        Assert.That(Directory.GetFiles(CacheDirectory, "*.sm_80.*"), Has.Length.EqualTo(1));
    }

    [Test]
    public void FilesIncludeHeadersBesideThemAndAHeaderChangeIsANewKey()
    {
        NvrtcTests.RequireNvrtc();
        File.WriteAllText(Path.Combine(_directory, "common.cuh"), "#define FILL_VALUE 1.0f\n");
        string kernel = Path.Combine(_directory, "uses_header.cu");
        File.WriteAllText(kernel, "#include \"common.cuh\"\nextern \"C\" __global__ void one(float* y) { y[threadIdx.x] = FILL_VALUE; }\n");
        var compiler = new KernelCompiler(CacheDirectory);

        byte[] cubin = compiler.CompileFile(kernel, "sm_90");
        File.WriteAllText(Path.Combine(_directory, "common.cuh"), "#define FILL_VALUE 2.0f\n");
        compiler.CompileFile(kernel, "sm_90");

        Assert.That(NvrtcTests.ContainsName(cubin, "one"), Is.True);
        Assert.That(Directory.GetFiles(CacheDirectory, "uses_header.sm_90.*"), Has.Length.EqualTo(2));
    }

    [Test]
    public void InMemoryHeadersAreIncludedByNameAndAreInTheKey()
    {
        NvrtcTests.RequireNvrtc();
        const string source = "#include \"value.cuh\"\nextern \"C\" __global__ void one(float* y) { y[threadIdx.x] = FILL_VALUE; }\n";
        var compiler = new KernelCompiler(CacheDirectory);

        byte[] cubin = compiler.Compile(source, "uses_header.cu", "sm_90", new Dictionary<string, string> { ["value.cuh"] = "#define FILL_VALUE 1.0f\n" });
        compiler.Compile(source, "uses_header.cu", "sm_90", new Dictionary<string, string> { ["value.cuh"] = "#define FILL_VALUE 2.0f\n" });

        Assert.That(NvrtcTests.ContainsName(cubin, "one"), Is.True);
        Assert.That(Directory.GetFiles(CacheDirectory, "uses_header.sm_90.*"), Has.Length.EqualTo(2), "a header's text is part of the key");
        var e = Assert.Throws<CudaException>(() => compiler.Compile(source, "uses_header.cu", "sm_80"))!;
        Assert.That(e.Message, Does.Contain("value.cuh"), "without the header NVRTC names the missing include");
    }

    [Test]
    public void TheBackendsKernelFilesCompileWithTheEmbeddedHeaders()
    {
        NvrtcTests.RequireNvrtc();
        Assert.That(KernelSources.Headers.Keys, Does.Contain("common.cuh"));
        var compiler = new KernelCompiler(CacheDirectory);
        foreach (var file in KernelSources.Files)
            Assert.That(compiler.Compile(KernelSources.Read(file), file, "sm_90", KernelSources.Headers), Is.Not.Empty, file);
    }

    [Test]
    public void ErrorsNameTheFile()
    {
        NvrtcTests.RequireNvrtc();
        string kernel = Path.Combine(_directory, "typo.cu");
        File.WriteAllText(kernel, "extern \"C\" __global__ void typo(float* y) { y[0] = 1.0f }\n");

        var e = Assert.Throws<CudaException>(() => new KernelCompiler(CacheDirectory).CompileFile(kernel, "sm_90"))!;

        Assert.That(e.Message, Does.Contain("typo.cu(1)"), e.Message);
        Assert.That(Directory.Exists(CacheDirectory) ? Directory.GetFiles(CacheDirectory) : [], Is.Empty, "nothing is cached for a failed compile");
    }

    [Test]
    public void BadArgumentsAreRejected()
    {
        var compiler = new KernelCompiler(CacheDirectory);
        Assert.That(() => compiler.Compile(Fill, "fill.cu", "compute_90"), Throws.ArgumentException.With.Message.Contains("compute_90"));
        Assert.That(() => compiler.CompileFile(Path.Combine(_directory, "missing.cu"), "sm_90"), Throws.TypeOf<FileNotFoundException>());
    }

    [Test]
    public void CacheDirectoryComesFromTheEnvironment()
    {
        var environment = new Dictionary<string, string>();
        string? Get(string name) => environment.GetValueOrDefault(name);

        Assert.That(KernelCompiler.DefaultCacheDirectory(Get), Does.EndWith(Path.Combine(".cache", "dafl", "kernels")));
        environment["XDG_CACHE_HOME"] = "/xdg";
        Assert.That(KernelCompiler.DefaultCacheDirectory(Get), Is.EqualTo("/xdg/dafl/kernels"));
        environment["DAFL_KERNEL_CACHE"] = "/explicit";
        Assert.That(KernelCompiler.DefaultCacheDirectory(Get), Is.EqualTo("/explicit"));
    }
}
