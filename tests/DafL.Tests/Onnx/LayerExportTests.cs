using DafL.NN;
using DafL.Onnx;
using DafL.Onnx.Runtime;
using DafL.Random;
using DafL.Tests.Support;
using static DafL.Tests.Onnx.OnnxParity;

namespace DafL.Tests.Onnx;

/// <summary>
/// Every layer emitter against our layer's forward in onnxruntime, through one stack that holds each of them: a
/// folded conv + BN, a BN that follows no conv (a BatchNormalization node, without affine parameters), strided and
/// bias-free convs, nearest upsampling (Resize), both pools, the four activations, flatten and linear.
/// </summary>
public class LayerExportTests : TempFolderTest
{
    [Test]
    public void EveryLayerEmitterGivesOurForward()
    {
        var gen = new Philox(21);
        using var stack = new Sequential(
            new Conv2d(2, 4, 3, gen, padding: 1), new BatchNorm2d(4), new ReLU(),   // 4×8×8, the BN folded into the conv
            new BatchNorm2d(4, eps: 0.8f, affine: false), new LeakyReLU(0.2f),      // a BatchNormalization node
            new Upsample(2),                                                        // 4×16×16
            new Conv2d(4, 3, 3, gen, stride: 2, padding: 1, bias: false), new NN.Tanh(), // 3×8×8
            new MaxPool2d(2), new AvgPool2d(2, stride: 1), new NN.Sigmoid(),        // 3×4×4, 3×3×3
            new NN.Flatten(), new Linear(27, 5, gen));
        RandomiseBatchNorms(stack, new Philox(22));
        stack.Eval();
        var path = Path.Combine(Dir, "stack.onnx");
        var model = OnnxExporter.Layer(stack, "stack", [2, 8, 8], [5], batch: null);
        OnnxExporter.Save(model, path);
        Assert.That(model.Graph.Node.Select(n => n.OpType), Is.EqualTo(new[]
        {
            "Conv", "Relu", "BatchNormalization", "LeakyRelu", "Resize", "Conv", "Tanh", "MaxPool", "AveragePool", "Sigmoid", "Flatten", "Gemm",
        }));
        using var onnx = OnnxClassifier.Load(OnnxModelFile.TryRead(path)!, path);
        using var x = Tensor.Randn([3, 2, 8, 8], new Philox(23));
        Assert.That(RelativeError(Ours(stack.Forward, x), Ours(onnx.Logits, x)), Is.LessThanOrEqualTo(MostRelativeError));
    }

    [Test]
    public void AFlattenFromAnotherDimensionIsRefused()
    {
        using var stack = new Sequential(new NN.Flatten(2));
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.Layer(stack, "stack", [2, 8, 8], [2, 64], batch: null));
        Assert.That(e!.Message, Does.Contain("'0' starts at dimension 2"));
    }
}
