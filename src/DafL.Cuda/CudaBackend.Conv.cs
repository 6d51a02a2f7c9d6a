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
        var plan = Plan(x.Shape, weight.Shape, stride, padding);
        var chosen = plan.Forward ??= Options.ConvolutionSearch == ConvolutionSearch.Measure
            ? AlgorithmChoice.First(_cudnn.FindForwardAlgorithms(plan.Input, px, plan.Filter, pw, plan.Convolution, plan.Output, py,
                Workspace(Options.MaxWorkspaceBytes), Options.MaxWorkspaceBytes), false, Options.AllowTf32, Options.MaxWorkspaceBytes, "forward", plan.Shape)
            : AlgorithmChoice.First(_cudnn.GetForwardAlgorithms(plan.Input, plan.Filter, plan.Convolution, plan.Output),
                false, Options.AllowTf32, Options.MaxWorkspaceBytes, "forward", plan.Shape);
        _cudnn.ConvolutionForward(1f, plan.Input, px, plan.Filter, pw, plan.Convolution, (ConvolutionForwardAlgorithm)chosen.Algorithm,
            Workspace(chosen.WorkspaceBytes), chosen.WorkspaceBytes, 0f, plan.Output, py);
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
        var plan = Plan(gx.Shape, weight.Shape, stride, padding);
        var chosen = plan.BackwardData ??= Options.ConvolutionSearch == ConvolutionSearch.Measure
            ? AlgorithmChoice.First(_cudnn.FindBackwardDataAlgorithms(plan.Filter, pw, plan.Output, pgy, plan.Convolution, plan.Input, pgx,
                Workspace(Options.MaxWorkspaceBytes), Options.MaxWorkspaceBytes), true, Options.AllowTf32, Options.MaxWorkspaceBytes, "backward-data", plan.Shape)
            : AlgorithmChoice.First(_cudnn.GetBackwardDataAlgorithms(plan.Filter, plan.Output, plan.Convolution, plan.Input),
                true, Options.AllowTf32, Options.MaxWorkspaceBytes, "backward-data", plan.Shape);
        _cudnn.ConvolutionBackwardData(1f, plan.Filter, pw, plan.Output, pgy, plan.Convolution, (ConvolutionBackwardDataAlgorithm)chosen.Algorithm,
            Workspace(chosen.WorkspaceBytes), chosen.WorkspaceBytes, 0f, plan.Input, pgx);
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
        var plan = Plan(x.Shape, gw.Shape, stride, padding);
        var chosen = plan.BackwardFilter ??= Options.ConvolutionSearch == ConvolutionSearch.Measure
            ? AlgorithmChoice.First(_cudnn.FindBackwardFilterAlgorithms(plan.Input, px, plan.Output, pgy, plan.Convolution, plan.Filter, pgw,
                Workspace(Options.MaxWorkspaceBytes), Options.MaxWorkspaceBytes), true, Options.AllowTf32, Options.MaxWorkspaceBytes, "backward-filter", plan.Shape)
            : AlgorithmChoice.First(_cudnn.GetBackwardFilterAlgorithms(plan.Input, plan.Output, plan.Convolution, plan.Filter),
                true, Options.AllowTf32, Options.MaxWorkspaceBytes, "backward-filter", plan.Shape);
        _cudnn.ConvolutionBackwardFilter(1f, plan.Input, px, plan.Output, pgy, plan.Convolution, (ConvolutionBackwardFilterAlgorithm)chosen.Algorithm,
            Workspace(chosen.WorkspaceBytes), chosen.WorkspaceBytes, 0f, plan.Filter, pgw);
    }

    public void Conv2dBackwardBias(Tensor gy, Tensor gb)
    {
        const string op = nameof(Conv2dBackwardBias);
        // gb[o] = Σ over (N, Ho·Wo) of gy (N, O, Ho·Wo): the per-channel float64 sum, in the CPU's order of images.
        long n = gy.Shape[0], o = gy.Shape[1], plane = (long)gy.Shape[2] * gy.Shape[3];
        ChannelSum(Address(gy, op), Address(gb, op), n, o, plane, 1.0);
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
