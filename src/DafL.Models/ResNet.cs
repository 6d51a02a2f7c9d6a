using DafL.NN;
using DafL.Random;
using static DafL.Ops.Functional;

namespace DafL.Models;

/// <summary>
/// The CIFAR ResNet of the official DAFL <c>resnet.py</c> (kuangliu style): 3×3 stem with 64 channels and no
/// max-pool, four stages of BasicBlocks (64, 128, 256, 512; strides 1, 2, 2, 2), 4×4 average pool, linear head.
/// Features are the 512-d pooled vector. ResNet-18 = [2, 2, 2, 2], ResNet-34 = [3, 4, 6, 3].
/// </summary>
public sealed class ResNet : Classifier
{
    readonly Conv2d _conv1;
    readonly BatchNorm2d _bn1;
    readonly Sequential[] _layers;
    readonly Linear _linear;

    public override int NumClasses { get; }

    public ResNet(int[] blocksPerStage, int numClasses, Philox gen, int inChannels = 3)
    {
        NumClasses = numClasses;
        _conv1 = RegisterModule("conv1", new Conv2d(inChannels, 64, 3, gen, stride: 1, padding: 1, bias: false));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(64));
        int[] widths = [64, 128, 256, 512];
        int[] strides = [1, 2, 2, 2];
        int channels = 64;
        _layers = new Sequential[4];
        for (int s = 0; s < 4; s++)
        {
            var stage = new Sequential();
            for (int b = 0; b < blocksPerStage[s]; b++)
            {
                stage.Add(new BasicBlock(channels, widths[s], b == 0 ? strides[s] : 1, gen));
                channels = widths[s];
            }
            _layers[s] = RegisterModule($"layer{s + 1}", stage);
        }
        _linear = RegisterModule("linear", new Linear(512, numClasses, gen));
    }

    public static ResNet ResNet18(int numClasses, Philox gen) => new([2, 2, 2, 2], numClasses, gen);
    public static ResNet ResNet34(int numClasses, Philox gen) => new([3, 4, 6, 3], numClasses, gen);

    public override (Tensor Logits, Tensor Features) Forward(Tensor x)
    {
        var h = Relu(_bn1.Forward(_conv1.Forward(x)));   // (N, 64, 32, 32)
        foreach (var stage in _layers) h = stage.Forward(h); // (N, 512, 4, 4)
        var features = AvgPool2d(h, 4, 4).Flatten(1);    // (N, 512)
        return (_linear.Forward(features), features);
    }
}

/// <summary>conv3×3 → BN → ReLU → conv3×3 → BN, plus the shortcut (identity, or 1×1 conv + BN), then ReLU.</summary>
public sealed class BasicBlock : Layer
{
    readonly Conv2d _conv1, _conv2;
    readonly BatchNorm2d _bn1, _bn2;
    readonly Sequential _shortcut;

    public BasicBlock(int inChannels, int outChannels, int stride, Philox gen)
    {
        _conv1 = RegisterModule("conv1", new Conv2d(inChannels, outChannels, 3, gen, stride, padding: 1, bias: false));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(outChannels));
        _conv2 = RegisterModule("conv2", new Conv2d(outChannels, outChannels, 3, gen, 1, padding: 1, bias: false));
        _bn2 = RegisterModule("bn2", new BatchNorm2d(outChannels));
        _shortcut = RegisterModule("shortcut", stride != 1 || inChannels != outChannels
            ? new Sequential(new Conv2d(inChannels, outChannels, 1, gen, stride, bias: false), new BatchNorm2d(outChannels))
            : new Sequential());
    }

    public override Tensor Forward(Tensor x)
    {
        var h = Relu(_bn1.Forward(_conv1.Forward(x)));
        h = _bn2.Forward(_conv2.Forward(h));
        var shortcut = _shortcut.Count == 0 ? x : _shortcut.Forward(x);
        return Relu(h + shortcut);
    }
}
