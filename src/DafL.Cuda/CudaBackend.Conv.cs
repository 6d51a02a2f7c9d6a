using DafL.Backends.Cuda.Convolution;
using DafL.Backends.Cuda.Kernels;
using DafL.Native;

namespace DafL.Backends.Cuda;

/// <summary>
/// Convolutions through cuDNN. Each shape gets its descriptors once, and each direction of it an algorithm chosen
/// once (<see cref="CudaBackendOptions.ConvolutionSearch"/>: cuDNN's heuristic or its measured search), kept in a
/// per-backend cache. Backward algorithms are deterministic ones only. One workspace buffer, grown to the largest
/// need seen, serves every call (safe: all calls are on one stream). The bias is added by the broadcasting add
/// kernel and its gradient summed by the float64 per-channel sum, as on the CPU.
/// </summary>
public sealed unsafe partial class CudaBackend
{
    readonly Dictionary<ConvolutionShape, ConvolutionPlan> _convolutionPlans = [];
    DevicePointer _workspace;
    long _workspaceFloats;

    CudnnMathType ConvolutionMathType => Options.AllowTf32 ? CudnnMathType.TensorOp : CudnnMathType.Fma;

    public void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, Tensor y, int stride, int padding)
    {
        const string op = nameof(Conv2dForward);
        var px = Address(x, op);
        var pw = Address(weight, op);
        var pb = OptionalAddress(bias, op);
        var py = Address(y, op);
        if (y.Numel == 0) return;
        Convolve(Plan(x.Shape, weight.Shape, stride, padding), ConvolutionDirection.Forward, new ConvolutionBuffers(px, pw, py));
        if (bias is null) return;
        // y (N, O, Ho, Wo) += bias (O, 1, 1), in place: each element is read and written by the same thread.
        var layout = DeviceLayouts.Broadcast(op, y.Shape, y.Shape, [weight.Shape[0], 1, 1]);
        _kernels.LaunchGridStride(Kernel.AddBroadcast, y.Numel, py, pb, py, KernelArgument.Struct(&layout));
    }

    public void Conv2dBackwardData(Tensor gy, Tensor weight, Tensor gx, int stride, int padding)
    {
        const string op = nameof(Conv2dBackwardData);
        var pgy = Address(gy, op);
        var pw = Address(weight, op);
        var pgx = Address(gx, op);
        if (gx.Numel == 0) return;
        if (gy.Numel == 0)
        {
            Fill(gx, 0f);
            return;
        }
        Convolve(Plan(gx.Shape, weight.Shape, stride, padding), ConvolutionDirection.BackwardData, new ConvolutionBuffers(pw, pgy, pgx));
    }

    public void Conv2dBackwardWeight(Tensor x, Tensor gy, Tensor gw, int stride, int padding)
    {
        const string op = nameof(Conv2dBackwardWeight);
        var px = Address(x, op);
        var pgy = Address(gy, op);
        var pgw = Address(gw, op);
        if (gw.Numel == 0) return;
        if (x.Numel == 0 || gy.Numel == 0)
        {
            Fill(gw, 0f); // an empty batch has a zero gradient
            return;
        }
        Convolve(Plan(x.Shape, gw.Shape, stride, padding), ConvolutionDirection.BackwardFilter, new ConvolutionBuffers(px, pgy, pgw));
    }

    public void Conv2dBackwardBias(Tensor gy, Tensor gb)
    {
        const string op = nameof(Conv2dBackwardBias);
        // gb[o] = Σ over (N, Ho·Wo) of gy (N, O, Ho·Wo): the per-channel float64 sum, in the CPU's order of images.
        long n = gy.Shape[0], o = gy.Shape[1], plane = (long)gy.Shape[2] * gy.Shape[3];
        ChannelSum(Address(gy, op), Address(gb, op), n, o, plane, 1.0);
    }

    /// <summary>
    /// Runs one direction of a planned convolution with its algorithm, choosing that the first time: from cuDNN's
    /// measured search on these buffers or from its heuristic (<see cref="CudaBackendOptions.ConvolutionSearch"/>),
    /// the first usable one in the workspace limit, deterministic for the backward directions, TF32 only if allowed.
    /// </summary>
    void Convolve(ConvolutionPlan plan, ConvolutionDirection direction, ConvolutionBuffers data)
    {
        var problem = plan.Problem(direction);
        var chosen = plan.Chosen(direction) ??= AlgorithmChoice.First(
            Options.ConvolutionSearch == ConvolutionSearch.Measure
                ? _cudnn.FindAlgorithms(problem, data, Workspace(Options.MaxWorkspaceBytes), Options.MaxWorkspaceBytes)
                : _cudnn.GetAlgorithms(problem),
            direction != ConvolutionDirection.Forward, Options.AllowTf32, Options.MaxWorkspaceBytes, AlgorithmChoice.Name(direction), plan.Shape);
        _cudnn.Convolve(problem, 1f, data, chosen.Algorithm, Workspace(chosen.WorkspaceBytes), chosen.WorkspaceBytes, 0f);
    }

    ConvolutionPlan Plan(int[] input, int[] weight, int stride, int padding)
    {
        var shape = ConvolutionShape.Of(input, weight, stride, padding);
        if (!_convolutionPlans.TryGetValue(shape, out var plan)) _convolutionPlans[shape] = plan = new ConvolutionPlan(shape, ConvolutionMathType);
        return plan;
    }

    /// <summary>
    /// The shared workspace, at least <paramref name="bytes"/> long (null for none). A smaller one goes back to the
    /// allocator; kernels still queued with it finish before the stream reaches anything that reuses it.
    /// </summary>
    DevicePointer Workspace(long bytes)
    {
        if (bytes == 0) return DevicePointer.Null;
        long floats = (bytes + sizeof(float) - 1) / sizeof(float);
        if (floats > _workspaceFloats)
        {
            ReleaseConvolutionWorkspace();
            _workspace = Allocator.Rent(floats, out _workspaceFloats);
        }
        return _workspace;
    }

    void ReleaseConvolutionWorkspace()
    {
        if (_workspaceFloats == 0) return;
        Allocator.Return(_workspace, _workspaceFloats);
        _workspace = DevicePointer.Null;
        _workspaceFloats = 0;
    }

    void DisposeConvolutionPlans()
    {
        foreach (var plan in _convolutionPlans.Values) plan.Dispose();
        _convolutionPlans.Clear();
    }
}
