using DafL.Tests.Support;
using static DafL.Ops.Functional;

namespace DafL.Tests.Golden;

/// <summary>matmul and linear against PyTorch (Fixtures/linear.bin).</summary>
public class LinearGoldenTests() : GoldenTest("linear")
{
    /// <summary>A dot product of K float32 terms: blocked and FMA'd differently by our GEMM and PyTorch's BLAS.</summary>
    static readonly Tolerance Dot = new(1e-6, 1e-5, "dot products summed in a different order (blocking, FMA) by the two GEMMs");

    [TestCase("matmul")]
    [TestCase("matmul_wide")]
    public void MatmulMatchesPyTorch(string c) => CheckOp(c, ["a", "b"], i => Matmul(i[0], i[1]), Dot, Dot);

    [Test]
    public void LinearMatchesPyTorch() => CheckOp("linear", ["x", "weight", "bias"], i => Linear(i[0], i[1], i[2]), Dot, Dot);

    [Test]
    public void LinearWithoutBiasMatchesPyTorch() => CheckOp("linear_nobias", ["x", "weight"], i => Linear(i[0], i[1]), Dot, Dot);
}
