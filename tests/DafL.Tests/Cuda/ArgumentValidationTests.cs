using DafL.Native;

namespace DafL.Tests.Native;

/// <summary>Bad shapes are rejected before any library is touched, so these run everywhere.</summary>
public class ArgumentValidationTests
{
    [Test]
    public void CudnnDescriptorsRejectBadShapesNamingThem()
    {
        Assert.That(() => CudnnTensorDescriptor.Create4d(2, 0, 4, 4),
            Throws.ArgumentException.With.Message.Contains("tensor descriptor").And.Message.Contains("(2, 0, 4, 4)"));
        Assert.That(() => CudnnFilterDescriptor.Create4d(8, 3, -1, 3),
            Throws.ArgumentException.With.Message.Contains("filter descriptor").And.Message.Contains("(8, 3, -1, 3)"));
        Assert.That(() => CudnnConvolutionDescriptor.Create2d(1, 1, 0, 1),
            Throws.ArgumentException.With.Message.Contains("stride (0, 1)"));
        Assert.That(() => CudnnPoolingDescriptor.Create2d(CudnnPoolingMode.Max, 2, 2, -1, 0, 2, 2),
            Throws.ArgumentException.With.Message.Contains("padding (-1, 0)"));
    }

    [Test]
    public void KernelCompilerNeedsARealArchitecture()
    {
        var compiler = new KernelCompiler(Path.Combine(Path.GetTempPath(), "dafl-unused-cache"));
        Assert.That(() => compiler.Compile("", "k.cu", "sm90"), Throws.ArgumentException.With.Message.Contains("sm90"));
    }
}
