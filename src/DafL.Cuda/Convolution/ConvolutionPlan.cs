using DafL.Native;

namespace DafL.Backends.Cuda.Convolution;

/// <summary>The sizes that make two convolutions the same problem for cuDNN: input (N, C, H, W), weight (O, C, kH, kW), stride, padding.</summary>
internal readonly record struct ConvolutionShape(int N, int C, int H, int W, int O, int KH, int KW, int Stride, int Padding)
{
    public int Ho => (H + 2 * Padding - KH) / Stride + 1;
    public int Wo => (W + 2 * Padding - KW) / Stride + 1;

    /// <param name="input">x or gx (N, C, H, W).</param>
    /// <param name="weight">(O, C, kH, kW).</param>
    public static ConvolutionShape Of(int[] input, int[] weight, int stride, int padding) =>
        new(input[0], input[1], input[2], input[3], weight[0], weight[2], weight[3], stride, padding);

    public override string ToString() =>
        $"x ({N}, {C}, {H}, {W}), weight ({O}, {C}, {KH}, {KW}), stride {Stride}, padding {Padding}";
}

/// <summary>An algorithm chosen for one direction of one shape, and the workspace bytes it needs.</summary>
internal readonly record struct ChosenAlgorithm(int Algorithm, long WorkspaceBytes);

/// <summary>
/// cuDNN's descriptors for one <see cref="ConvolutionShape"/>, set up once for all three directions (each direction's
/// <see cref="ConvolutionProblem"/> names them in its own order), and the algorithm chosen for each direction, chosen
/// the first time that direction runs for the shape and kept for the backend's lifetime.
/// </summary>
internal sealed class ConvolutionPlan : IDisposable
{
    public ConvolutionShape Shape { get; }
    public CudnnTensorDescriptor Input { get; }
    public CudnnTensorDescriptor Output { get; }
    public CudnnFilterDescriptor Filter { get; }
    public CudnnConvolutionDescriptor Convolution { get; }
    readonly ConvolutionProblem[] _problems;
    readonly ChosenAlgorithm?[] _chosen = new ChosenAlgorithm?[3];

    /// <summary>The descriptors of one direction, in cuDNN's order.</summary>
    public ConvolutionProblem Problem(ConvolutionDirection direction) => _problems[(int)direction];

    /// <summary>The algorithm chosen for <paramref name="direction"/>, null until it first runs.</summary>
    public ref ChosenAlgorithm? Chosen(ConvolutionDirection direction) => ref _chosen[(int)direction];

    public ConvolutionPlan(ConvolutionShape shape, CudnnMathType mathType)
    {
        Shape = shape;
        var created = new List<IDisposable>();
        try
        {
            Input = Track(created, CudnnTensorDescriptor.Create4d(shape.N, shape.C, shape.H, shape.W));
            Output = Track(created, CudnnTensorDescriptor.Create4d(shape.N, shape.O, shape.Ho, shape.Wo));
            Filter = Track(created, CudnnFilterDescriptor.Create4d(shape.O, shape.C, shape.KH, shape.KW));
            Convolution = Track(created, CudnnConvolutionDescriptor.Create2d(shape.Padding, shape.Padding, shape.Stride, shape.Stride, mathType: mathType));
        }
        catch
        {
            foreach (var d in created) d.Dispose();
            throw;
        }
        _problems =
        [
            ConvolutionProblem.Forward(Input, Filter, Convolution, Output),
            ConvolutionProblem.BackwardData(Filter, Output, Convolution, Input),
            ConvolutionProblem.BackwardFilter(Input, Output, Convolution, Filter),
        ];
    }

    static T Track<T>(List<IDisposable> created, T descriptor) where T : IDisposable
    {
        created.Add(descriptor);
        return descriptor;
    }

    public void Dispose()
    {
        Convolution.Dispose();
        Filter.Dispose();
        Output.Dispose();
        Input.Dispose();
    }
}
