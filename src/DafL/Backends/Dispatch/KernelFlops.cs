namespace DafL.Backends.Dispatch;

/// <summary>
/// Counts the dense work of the kernels that run while it is alive: every convolution direction and every matrix
/// product, 2 FLOP per multiply-add, from the shapes of the tensors each call was given (so the count is the work
/// the step really asked for, whatever the model, and never a formula that could drift from it). Elementwise ops,
/// batch norm, pooling and losses are real time but not counted, as in PyTorch's and llm.c's FLOP figures; a
/// GFLOP/s built on this count understates the machine's work. Counts from <see cref="Start"/> until disposed.
/// </summary>
public sealed class KernelFlops : InstalledObserver
{
    long _flops;

    KernelFlops() { }

    /// <summary>Starts counting the kernels of every backend.</summary>
    public static KernelFlops Start() => Install(new KernelFlops());

    /// <summary>Dense FLOPs counted so far.</summary>
    public double Flops => Interlocked.Read(ref _flops);

    public override bool Before(in KernelCall call)
    {
        long flops = Of(call);
        if (flops != 0) Interlocked.Add(ref _flops, flops);
        return true;
    }

    public override void After(in KernelCall call) { }

    /// <summary>The dense FLOPs of one call; 0 for a kernel that is not a convolution or a matrix product.</summary>
    static long Of(in KernelCall call)
    {
        var t = call.Tensors;
        return call.Kernel switch
        {
            // (x, weight, bias, y), (gy, weight, gx), (x, gy, gw): each output pixel of each output channel sums
            // C·kH·kW products, and y (or gy) holds N·O·Ho·Wo of them.
            // The upsampling variants take the same tensors in the same places (x the small input, which the count
            // never reads).
            "Conv2dForward" or "UpsampleConv2dForward" => ConvFlops(t[3]!, t[1]!),
            "Conv2dBackwardData" or "UpsampleConv2dBackwardData" => ConvFlops(t[0]!, t[1]!),
            "Conv2dBackwardWeight" or "UpsampleConv2dBackwardWeight" => ConvFlops(t[1]!, t[2]!),
            // (a, b, c): c (M, N) sums K = numel(a) / M products per element.
            "MatMul" => 2 * t[2]!.Numel * (t[0]!.Numel / Math.Max(1, t[2]!.Shape[0])),
            _ => 0,
        };
    }

    /// <param name="output">y or gy (N, O, Ho, Wo).</param>
    /// <param name="weight">(O, C, kH, kW).</param>
    static long ConvFlops(Tensor output, Tensor weight) => 2 * output.Numel * (weight.Numel / Math.Max(1, weight.Shape[0]));
}
