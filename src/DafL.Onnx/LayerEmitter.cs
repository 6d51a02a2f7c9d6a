using Onnx;
using DafL.Models;
using DafL.NN;
using static DafL.Onnx.OnnxGraphBuilder;

namespace DafL.Onnx;

/// <summary>
/// One emitter per layer type: the ONNX nodes that compute the layer's eval-mode forward, with its parameters as
/// initializers under their state-dict keys (<paramref name="path"/> is the layer's key prefix, "layer1.0.conv1").
/// A batch norm right after a convolution is folded into it (<see cref="BatchNormFolding"/>): the graph is what
/// inference runs, as PyTorch's exporter makes it in eval mode. Other batch norms are BatchNormalization nodes.
/// </summary>
public static class LayerEmitter
{
    public static string Emit(OnnxGraphBuilder g, Layer layer, string path, string x) => layer switch
    {
        Conv2d conv => Conv(g, conv, path, x),
        BatchNorm2d bn => BatchNorm(g, bn, path, x),
        ReLU => g.Node("Relu", path, [x]),
        LeakyReLU leaky => g.Node("LeakyRelu", path, [x], Float("alpha", leaky.NegativeSlope)),
        NN.Tanh => g.Node("Tanh", path, [x]),
        NN.Sigmoid => g.Node("Sigmoid", path, [x]),
        MaxPool2d pool => Pool(g, "MaxPool", pool.KernelSize, pool.Stride, path, x),
        AvgPool2d pool => Pool(g, "AveragePool", pool.KernelSize, pool.Stride, path, x),
        Linear linear => Gemm(g, linear, path, x),
        NN.Flatten flatten => Flatten(g, flatten.StartDim, path, x),
        Upsample up => Upsample(g, up.ScaleFactor, path, x),
        Sequential seq => Sequence(g, seq, path, x),
        BasicBlock block => ModelGraphs.BasicBlockGraph(g, block, path, x),
        _ => throw new NotSupportedException($"ONNX export: no emitter for the layer {layer.GetType().Name} at '{path}'."),
    };

    /// <summary>The children in order, each convolution with the batch norm that follows it folded in.</summary>
    public static string Sequence(OnnxGraphBuilder g, Sequential seq, string path, string x)
    {
        for (int i = 0; i < seq.Count; i++)
        {
            if (seq[i] is Conv2d conv && i + 1 < seq.Count && seq[i + 1] is BatchNorm2d bn)
            {
                x = ConvBatchNorm(g, conv, Key(path, i), bn, Key(path, i + 1), x);
                i++;
            }
            else
            {
                x = Emit(g, seq[i], Key(path, i), x);
            }
        }
        return x;
    }

    public static string Conv(OnnxGraphBuilder g, Conv2d conv, string path, string x)
    {
        var weight = g.Initializer(Key(path, "weight"), conv.Weight.ToArray(), conv.Weight.Shape);
        x = UpsampleInput(g, conv, path, x);
        string[] inputs = conv.Bias is { } bias ? [x, weight, g.Initializer(Key(path, "bias"), bias.ToArray(), bias.Shape)] : [x, weight];
        return g.Node("Conv", path, inputs, ConvAttributes(conv));
    }

    /// <summary>Convolution <paramref name="convPath"/> followed by the eval-mode batch norm <paramref name="bnPath"/>, as one Conv.</summary>
    public static string ConvBatchNorm(OnnxGraphBuilder g, Conv2d conv, string convPath, BatchNorm2d bn, string bnPath, string x)
    {
        var (weight, bias) = BatchNormFolding.Fold(conv, bn);
        string doc = $"{convPath} with {bnPath} folded in (eval mode: running statistics)";
        var w = g.Initializer(Key(convPath, "weight"), weight, conv.Weight.Shape, doc);
        var b = g.Initializer(Key(convPath, "bias"), bias, [conv.OutChannels], doc);
        return g.Node("Conv", $"{convPath}+{LastPart(bnPath)}", [UpsampleInput(g, conv, convPath, x), w, b], ConvAttributes(conv));
    }

    /// <summary>x, or the Resize that upsamples it when the convolution reads its input upsampled.</summary>
    static string UpsampleInput(OnnxGraphBuilder g, Conv2d conv, string path, string x) =>
        conv.Upsample == 1 ? x : Upsample(g, conv.Upsample, Key(path, "upsample"), x);

    /// <summary>Eval-mode batch norm: normalised by the running statistics; without affine parameters γ = 1, β = 0.</summary>
    public static string BatchNorm(OnnxGraphBuilder g, BatchNorm2d bn, string path, string x)
    {
        int[] dims = [bn.NumFeatures];
        var scale = bn.Weight is { } w ? g.Initializer(Key(path, "weight"), w.ToArray(), dims)
            : g.Initializer(Key(path, "unit_weight"), Enumerable.Repeat(1f, bn.NumFeatures).ToArray(), dims, "affine = False: γ = 1");
        var shift = bn.Bias is { } b ? g.Initializer(Key(path, "bias"), b.ToArray(), dims)
            : g.Initializer(Key(path, "zero_bias"), new float[bn.NumFeatures], dims, "affine = False: β = 0");
        var mean = g.Initializer(Key(path, "running_mean"), bn.RunningMean.ToArray(), dims);
        var variance = g.Initializer(Key(path, "running_var"), bn.RunningVar.ToArray(), dims);
        return g.Node("BatchNormalization", path, [x, scale, shift, mean, variance], Float("epsilon", bn.Eps));
    }

    /// <summary>y = x·Wᵀ + b: Gemm with B transposed, which reads the (out, in) weight as PyTorch stores it.</summary>
    public static string Gemm(OnnxGraphBuilder g, Linear linear, string path, string x)
    {
        var weight = g.Initializer(Key(path, "weight"), linear.Weight.ToArray(), linear.Weight.Shape);
        string[] inputs = linear.Bias is { } bias ? [x, weight, g.Initializer(Key(path, "bias"), bias.ToArray(), bias.Shape)] : [x, weight];
        return g.Node("Gemm", path, inputs, Int("transB", 1));
    }

    /// <summary>Pooling without padding, floor rounding (ceil_mode = 0), as ours and PyTorch's defaults.</summary>
    public static string Pool(OnnxGraphBuilder g, string op, int kernel, int stride, string path, string x) =>
        g.Node(op, path, [x], Ints("kernel_shape", kernel, kernel), Ints("strides", stride, stride));

    /// <summary>
    /// <c>flatten(1)</c>: ONNX's Flatten keeps the dimensions before its axis as one and joins the rest, which is
    /// PyTorch's flatten only for start dimension 1 (a different start would give another shape), so only that one is exported.
    /// </summary>
    public static string Flatten(OnnxGraphBuilder g, int startDim, string path, string x)
    {
        if (startDim != 1) throw new NotSupportedException($"ONNX export: Flatten at '{path}' starts at dimension {startDim}; only 1 is exported.");
        return g.Node("Flatten", path, [x], Int("axis", 1));
    }

    /// <summary>
    /// Nearest upsampling by an integer scale: Resize with scales (1, 1, s, s), mode nearest, asymmetric coordinates
    /// and floor rounding, so output pixel o reads input pixel ⌊o/s⌋ — each pixel becomes an s × s block, as ours.
    /// </summary>
    public static string Upsample(OnnxGraphBuilder g, int scale, string path, string x)
    {
        var scales = g.Initializer(Key(path, "scales"), [1f, 1f, scale, scale], [4]);
        return g.Node("Resize", path, [x, "", scales],
            String("mode", "nearest"), String("coordinate_transformation_mode", "asymmetric"), String("nearest_mode", "floor"));
    }

    static AttributeProto[] ConvAttributes(Conv2d conv) =>
    [
        Ints("kernel_shape", conv.KernelSize, conv.KernelSize),
        Ints("strides", conv.Stride, conv.Stride),
        Ints("pads", conv.Padding, conv.Padding, conv.Padding, conv.Padding),
    ];

    /// <summary>The key prefix of child <paramref name="name"/> of the module at <paramref name="path"/> (the root's path is empty).</summary>
    public static string Key(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    static string Key(string path, int index) => Key(path, index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    static string LastPart(string path) => path[(path.LastIndexOf('.') + 1)..];
}
