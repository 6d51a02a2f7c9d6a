using System.Runtime.InteropServices;

namespace DafL.Native;

/// <summary>
/// cudnnConvolutionFwdAlgoPerf_t, …BwdDataAlgoPerf_t and …BwdFilterAlgoPerf_t, which share one layout
/// (cuDNN 9.6 <c>cudnn_cnn.h</c>): { algo enum; cudnnStatus_t status; float time; size_t memory;
/// cudnnDeterminism_t determinism; cudnnMathType_t mathType; int reserved[3]; }. With natural alignment:
/// time at 8, memory at 16 (after 4 bytes of padding), determinism at 24, mathType at 28, 48 bytes in all
/// (the reserved ints are left to <c>Size</c>).
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 48)]
public struct ConvolutionAlgorithmPerformance
{
    /// <summary>The algorithm, as the number of the direction's algorithm enum.</summary>
    public int Algorithm;
    /// <summary>cudnnStatus_t: 0 when the algorithm can run this problem.</summary>
    public int Status;
    /// <summary>Measured milliseconds (Find*), or −1 (Get*_v7 heuristics).</summary>
    public float Time;
    /// <summary>Workspace bytes the algorithm needs.</summary>
    public nuint Memory;
    /// <summary>cudnnDeterminism_t: 1 when results are bit-reproducible run to run.</summary>
    public int Determinism;
    /// <summary>The cudnnMathType_t the algorithm was measured with.</summary>
    public int MathType;

    /// <summary>True when the algorithm can run the problem.</summary>
    public readonly bool Usable => Status == CudnnStatus.Success;

    /// <summary>True when results are the same bits every run.</summary>
    public readonly bool IsDeterministic => Determinism == 1;

    public override readonly string ToString() =>
        $"algorithm {Algorithm}: {CudnnStatus.Text(Status)}, {Time} ms, {Memory} B workspace, {(IsDeterministic ? "" : "non-")}deterministic, math type {MathType}";
}
