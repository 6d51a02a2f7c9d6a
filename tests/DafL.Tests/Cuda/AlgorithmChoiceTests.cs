using DafL.Backends.Cuda.Convolution;
using DafL.Native;

namespace DafL.Tests.CudaTests;

/// <summary>How the backend picks a cuDNN convolution algorithm from a ranking (no GPU needed).</summary>
public class AlgorithmChoiceTests
{
    static readonly ConvolutionShape Shape = new(8, 3, 32, 32, 16, 3, 3, 1, 1);

    static ConvolutionAlgorithmPerformance Perf(int algorithm, int status = 0, long memory = 0, bool deterministic = true, CudnnMathType math = CudnnMathType.Fma) =>
        new() { Algorithm = algorithm, Status = status, Memory = (nuint)memory, Determinism = deterministic ? 1 : 0, MathType = (int)math };

    [Test]
    public void TheFirstUsableAlgorithmWins()
    {
        var chosen = AlgorithmChoice.First([Perf(4, status: 3), Perf(1, memory: 1024), Perf(0)], false, false, 1 << 20, "forward", Shape);
        Assert.That(chosen, Is.EqualTo(new ChosenAlgorithm(1, 1024)));
    }

    [Test]
    public void BackwardDirectionsSkipNonDeterministicAlgorithms()
    {
        var ranked = new[] { Perf(0, deterministic: false), Perf(3, deterministic: false), Perf(1, memory: 64) };
        Assert.That(AlgorithmChoice.First(ranked, true, false, 1 << 20, "backward-filter", Shape).Algorithm, Is.EqualTo(1));
        Assert.That(AlgorithmChoice.First(ranked, false, false, 1 << 20, "forward", Shape).Algorithm, Is.EqualTo(0));
    }

    [Test]
    public void AlgorithmsNeedingMoreWorkspaceThanAllowedAreSkipped()
    {
        var chosen = AlgorithmChoice.First([Perf(6, memory: 2L << 30), Perf(2, memory: 4096)], false, false, 256L << 20, "forward", Shape);
        Assert.That(chosen.Algorithm, Is.EqualTo(2));
    }

    [Test]
    public void TensorCoreAlgorithmsAreSkippedUnlessTf32IsAllowed()
    {
        var ranked = new[] { Perf(1, math: CudnnMathType.TensorOp), Perf(0, math: CudnnMathType.Fma) };
        Assert.That(AlgorithmChoice.First(ranked, false, false, 1 << 20, "forward", Shape).Algorithm, Is.EqualTo(0));
        Assert.That(AlgorithmChoice.First(ranked, false, true, 1 << 20, "forward", Shape).Algorithm, Is.EqualTo(1));
    }

    [Test]
    public void NoSuitableAlgorithmThrowsNamingDirectionAndShape()
    {
        Assert.That(() => AlgorithmChoice.First([Perf(0, deterministic: false)], true, false, 1 << 20, "backward-data", Shape),
            Throws.InvalidOperationException.With.Message.Contains("deterministic backward-data").And.Message.Contains("x (8, 3, 32, 32)"));
        Assert.That(() => AlgorithmChoice.First([], false, false, 1 << 20, "forward", Shape),
            Throws.InvalidOperationException.With.Message.Contains("ranked: nothing"));
        Assert.That(() => AlgorithmChoice.First([Perf(1, status: 3000)], false, false, 1 << 20, "forward", Shape),
            Throws.InvalidOperationException.With.Message.Contains("ranked: algorithm 1: CUDNN_STATUS_NOT_SUPPORTED (3000)"));
    }

    [Test]
    public void OutputSizeFollowsTheConvolutionFormula()
    {
        var s = ConvolutionShape.Of([2, 3, 9, 8], [4, 3, 3, 3], 2, 1);
        Assert.That((s.Ho, s.Wo), Is.EqualTo((5, 4)));
    }
}
