using DafL.NN;
using DafL.Random;
using static DafL.Ops.Functional;

namespace DafL.Models;

/// <summary>
/// LeNet-5 as in the official DAFL <c>lenet.py</c> (input 1×32×32), and its half-width student:
/// conv 5×5 → ReLU → max-pool 2 → conv 5×5 → ReLU → max-pool 2 → conv 5×5 → ReLU (features) → fc → ReLU → fc.
/// Full: 6/16/120 channels, fc 120→84→10, 61,706 parameters. Half: 3/8/60, fc 60→42→10, 15,738 parameters.
/// Keys: conv1, conv2, conv3, fc1, fc2 (the official attribute names).
/// </summary>
public sealed class LeNet5 : Classifier
{
    readonly Conv2d _conv1, _conv2, _conv3;
    readonly Linear _fc1, _fc2;

    public override int NumClasses { get; }

    LeNet5(int c1, int c2, int c3, int f1, int numClasses, Philox gen)
    {
        NumClasses = numClasses;
        _conv1 = RegisterModule("conv1", new Conv2d(1, c1, 5, gen));
        _conv2 = RegisterModule("conv2", new Conv2d(c1, c2, 5, gen));
        _conv3 = RegisterModule("conv3", new Conv2d(c2, c3, 5, gen));
        _fc1 = RegisterModule("fc1", new Linear(c3, f1, gen));
        _fc2 = RegisterModule("fc2", new Linear(f1, numClasses, gen));
    }

    /// <summary>The teacher: 6/16/120 channels, 84 hidden units.</summary>
    public static LeNet5 Full(Philox gen, int numClasses = 10) => new(6, 16, 120, 84, numClasses, gen);

    /// <summary>The student, LeNet-5-half: 3/8/60 channels, 42 hidden units.</summary>
    public static LeNet5 Half(Philox gen, int numClasses = 10) => new(3, 8, 60, 42, numClasses, gen);

    public override (Tensor Logits, Tensor Features) Forward(Tensor x)
    {
        var h = MaxPool2d(Relu(_conv1.Forward(x)), 2, 2);          // (N, c1, 14, 14)
        h = MaxPool2d(Relu(_conv2.Forward(h)), 2, 2);              // (N, c2, 5, 5)
        var features = Relu(_conv3.Forward(h)).Flatten(1);         // (N, c3)
        var logits = _fc2.Forward(Relu(_fc1.Forward(features)));   // (N, K)
        return (logits, features);
    }
}
