using DafL.Models;
using DafL.Random;

namespace DafL.Tests.Models;

public class ModelTests
{
    [Test]
    public void LeNet5ParameterCountsMatchThePaper()
    {
        using var full = LeNet5.Full(new Philox(1));
        using var half = LeNet5.Half(new Philox(1));
        Assert.That(full.ParameterCount(), Is.EqualTo(61_706));
        Assert.That(half.ParameterCount(), Is.EqualTo(15_738));
    }

    [Test]
    public void LeNet5KeysAreTheOfficialOnesAndFeaturesAreConv3()
    {
        using var net = LeNet5.Full(new Philox(1));
        Assert.That(net.StateDict().Select(e => e.Key), Is.EqualTo(new[]
        {
            "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight", "conv3.bias",
            "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias",
        }));
        using var scope = TensorScope.Begin();
        var (logits, features) = net.Forward(Tensor.Randn([3, 1, 32, 32], new Philox(2)));
        Assert.That(logits.Shape, Is.EqualTo(new[] { 3, 10 }));
        Assert.That(features.Shape, Is.EqualTo(new[] { 3, 120 }));
        Assert.That(features.ToArray(), Is.All.GreaterThanOrEqualTo(0f), "features are post-ReLU");
    }

    [Test]
    public void ResNetParameterCountsAndKeysMatchTheCifarResNets()
    {
        // kuangliu/pytorch-cifar ResNet18/34 with 10 classes (as DAFL's resnet.py): 11,173,962 and 21,282,122.
        using var r18 = ResNet.ResNet18(10, new Philox(1));
        using var r34 = ResNet.ResNet34(100, new Philox(1));
        Assert.That(r18.ParameterCount(), Is.EqualTo(11_173_962));
        Assert.That(r34.ParameterCount(), Is.EqualTo(21_282_122 + 90 * 512 + 90));
        var keys = r18.StateDict().Select(e => e.Key).ToList();
        Assert.That(keys, Does.Contain("bn1.num_batches_tracked"));
        Assert.That(keys, Does.Contain("layer2.0.shortcut.0.weight"));
        Assert.That(keys, Does.Contain("layer2.0.shortcut.1.running_var"));
        Assert.That(keys, Does.Not.Contain("layer1.0.shortcut.0.weight"));
        Assert.That(keys, Does.Contain("linear.bias"));
        Assert.That(r34.StateDict().Select(e => e.Key), Does.Contain("layer3.5.conv2.weight"));
    }

    [Test]
    public void ResNet18ForwardGivesLogitsAnd512Features()
    {
        using var net = ResNet.ResNet18(10, new Philox(1));
        using var scope = TensorScope.Begin();
        var (logits, features) = net.Forward(Tensor.Randn([2, 3, 32, 32], new Philox(2)));
        Assert.That(logits.Shape, Is.EqualTo(new[] { 2, 10 }));
        Assert.That(features.Shape, Is.EqualTo(new[] { 2, 512 }));
    }

    [Test]
    public void GeneratorMatchesTheOfficialLayout()
    {
        using var g = new DaflGenerator(latentDim: 100, imageSize: 32, channels: 1, new Philox(1));
        var keys = g.StateDict().Select(e => e.Key).ToList();
        Assert.That(keys, Does.Contain("l1.0.weight"));
        Assert.That(keys, Does.Contain("conv_blocks0.0.running_mean"));
        Assert.That(keys, Does.Contain("conv_blocks1.1.weight"));
        Assert.That(keys, Does.Contain("conv_blocks2.3.bias"));
        Assert.That(keys, Does.Contain("conv_blocks2.5.running_var"));
        Assert.That(keys, Does.Not.Contain("conv_blocks2.5.weight"), "the last BN has no affine parameters");
        var l1 = g.StateDict().First(e => e.Key == "l1.0.weight").Tensor;
        Assert.That(l1.Shape, Is.EqualTo(new[] { 128 * 8 * 8, 100 }));
        // 100·8192+8192 + 2·128 + (128·128·9+128) + 2·128 + (128·64·9+64) + 2·64 + (64·9+1)
        Assert.That(g.ParameterCount(), Is.EqualTo(100 * 8192 + 8192 + 256 + 147_584 + 256 + 73_792 + 128 + 577));
    }

    [Test]
    public void GeneratorOutputIsNormalisedPerChannelOverTheBatch()
    {
        using var g = new DaflGenerator(16, 8, 3, new Philox(1), width: 8);
        using var scope = TensorScope.Begin();
        var x = g.Forward(Tensor.Randn([32, 16], new Philox(3)));
        Assert.That(x.Shape, Is.EqualTo(new[] { 32, 3, 8, 8 }));
        var data = x.ToArray();
        for (int c = 0; c < 3; c++)
        {
            var values = Enumerable.Range(0, 32).SelectMany(n => data.Skip((n * 3 + c) * 64).Take(64)).Select(v => (double)v).ToArray();
            double mean = values.Average(), variance = values.Average(v => (v - mean) * (v - mean));
            Assert.That(mean, Is.EqualTo(0).Within(1e-4), "final BN (no affine) centres each channel");
            Assert.That(variance, Is.EqualTo(1).Within(1e-2), "and scales it to unit variance (eps 1e-5)");
        }
    }
}
