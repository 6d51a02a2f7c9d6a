using DafL.Native;

namespace DafL.Backends.Cuda.Convolution;

/// <summary>Picks an algorithm from cuDNN's ranking (heuristic or measured, best first).</summary>
internal static class AlgorithmChoice
{
    /// <summary>The direction as the messages name it: forward, backward-data, backward-filter.</summary>
    public static string Name(ConvolutionDirection direction) => direction switch
    {
        ConvolutionDirection.Forward => "forward",
        ConvolutionDirection.BackwardData => "backward-data",
        _ => "backward-filter",
    };

    /// <summary>
    /// The first algorithm that can run the problem, fits in <paramref name="maxWorkspaceBytes"/>, is deterministic
    /// when <paramref name="deterministic"/> asks for it (the contract's backward-weight rule, and reproducible runs),
    /// and does not use TF32 tensor cores unless <paramref name="allowTf32"/>.
    /// </summary>
    public static ChosenAlgorithm First(IEnumerable<ConvolutionAlgorithmPerformance> ranked, bool deterministic, bool allowTf32,
        long maxWorkspaceBytes, string direction, ConvolutionShape shape)
    {
        var list = ranked.ToList();
        foreach (var p in list)
        {
            if (!p.Usable || (long)p.Memory > maxWorkspaceBytes) continue;
            if (deterministic && !p.IsDeterministic) continue;
            if (!allowTf32 && p.MathType is (int)CudnnMathType.TensorOp or (int)CudnnMathType.TensorOpAllowConversion) continue;
            return new ChosenAlgorithm(p.Algorithm, (long)p.Memory);
        }
        throw new InvalidOperationException(
            $"cuDNN offers no {(deterministic ? "deterministic " : "")}{direction} algorithm for {shape} that is supported (CUDNN_STATUS_SUCCESS), " +
            $"fits in {maxWorkspaceBytes} bytes of workspace{(allowTf32 ? "" : " and does not use TF32")}; it ranked: {(list.Count == 0 ? "nothing" : string.Join("; ", list))}.");
    }
}
