using DafL.Tests.Support;
using DafL.Native;

namespace DafL.Tests.Native;

/// <summary>NVRTC through the bindings: versions, cubin and PTX output, and compile errors that carry the log.</summary>
public class NvrtcTests
{
    const string Scale = """
        extern "C" __global__ void scale_f32(const float* x, float* y, int n, float a)
        {
            int i = blockIdx.x * blockDim.x + threadIdx.x;
            if (i < n) y[i] = a * x[i];
        }
        """;

    internal static void RequireNvrtc()
    {
        Skip.Unless(Nvrtc.IsAvailable, $"NVRTC is not available: {Nvrtc.UnavailableReason}");
    }

    [Test]
    public void VersionAndArchitecturesIncludeHopper()
    {
        RequireNvrtc();
        var (major, minor) = Nvrtc.Version;
        Assert.That(major, Is.GreaterThanOrEqualTo(11), $"NVRTC {major}.{minor}");
        Assert.That(Nvrtc.SupportedArchitectures, Does.Contain(90), "sm_90 (H100/H200) needs NVRTC 11.8 or later");
    }

    [Test]
    public void RealArchitectureGivesAnElfCubinNamingTheKernel()
    {
        RequireNvrtc();
        var output = Nvrtc.CompileToCubin(Scale, "scale.cu", ["--gpu-architecture=sm_90"]);

        Assert.That(output.Code.Take(4), Is.EqualTo(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' }));
        Assert.That(ContainsName(output.Code, "scale_f32"), Is.True, "extern \"C\" keeps the name unmangled");
    }

    [Test]
    public void WithoutExternCTheNameIsMangled()
    {
        RequireNvrtc();
        var output = Nvrtc.CompileToCubin(Scale.Replace("extern \"C\" ", ""), "scale.cu", ["--gpu-architecture=sm_90"]);

        Assert.That(ContainsName(output.Code, "scale_f32"), Is.False, "C++ linkage mangles it (_Z9scale_f32…)");
    }

    [Test]
    public void VirtualArchitectureGivesPtx()
    {
        RequireNvrtc();
        var output = Nvrtc.CompileToPtx(Scale, "scale.cu", ["--gpu-architecture=compute_90"]);

        Assert.That(output.Code, Does.Contain(".target sm_90").And.Contain(".entry scale_f32"));
    }

    [Test]
    public void NoFusedMultiplyAddsWithTheKernelOptions()
    {
        RequireNvrtc();
        const string source = """
            extern "C" __global__ void axpb(const float* x, float* y, float a, float b) { y[threadIdx.x] = a * x[threadIdx.x] + b; }
            """;
        string contracted = Nvrtc.CompileToPtx(source, "axpb.cu", ["--gpu-architecture=compute_90"]).Code;
        string separate = Nvrtc.CompileToPtx(source, "axpb.cu", ["--gpu-architecture=compute_90", .. KernelCompiler.DefaultOptions]).Code;

        Assert.That(contracted, Does.Contain("fma.rn.f32"), "NVRTC contracts by default");
        Assert.That(separate, Does.Not.Contain("fma.rn.f32").And.Contain("mul.rn.f32").And.Contain("add.rn.f32"));
    }

    [Test]
    public void CompileErrorCarriesTheFileNameTheStatusAndTheLog()
    {
        RequireNvrtc();
        const string broken = "extern \"C\" __global__ void broken(float* y)\n{\n    y[0] = undefined_name;\n}\n";

        var e = Assert.Throws<CudaException>(() => Nvrtc.CompileToCubin(broken, "broken.cu", ["--gpu-architecture=sm_90"]))!;

        Assert.That(e.StatusName, Is.EqualTo("NVRTC_ERROR_COMPILATION"));
        Assert.That(e.Message, Does.Contain("nvrtcCompileProgram(broken.cu, --gpu-architecture=sm_90)"));
        Assert.That(e.Message, Does.Contain("NVRTC log for broken.cu"));
        Assert.That(e.Message, Does.Contain("broken.cu(3)").And.Contain("undefined_name"), e.Message);
    }

    [Test]
    public void AnUnknownOptionIsReported()
    {
        RequireNvrtc();
        var e = Assert.Throws<CudaException>(() => Nvrtc.CompileToCubin(Scale, "scale.cu", ["--gpu-architecture=sm_90", "--no-such-option"]))!;
        Assert.That(e.StatusName, Is.EqualTo("NVRTC_ERROR_INVALID_OPTION"));
    }

    /// <summary>True when <paramref name="name"/> is a whole NUL-delimited string in the cubin (a symbol-table entry).</summary>
    internal static bool ContainsName(byte[] cubin, string name)
    {
        byte[] entry = [0, .. System.Text.Encoding.ASCII.GetBytes(name), 0];
        return cubin.AsSpan().IndexOf(entry) >= 0;
    }
}
