using DafL.Memory;
using DafL.NN;
using DafL.Optim;
using DafL.Random;
using static DafL.Ops.Functional;

namespace DafL.Tests.Training;

/// <summary>End-to-end checks of the core: a small convnet learns, and a training loop leaks nothing.</summary>
public class SmallConvNetTrainingTests
{
    /// <summary>conv 3×3 → BN → ReLU → max-pool → conv → ReLU → flatten → linear: every layer kind DAFL uses.</summary>
    static Sequential SmallConvNet(Philox gen) => new(
        new NN.Conv2d(1, 8, 3, gen, padding: 1), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
        new NN.Conv2d(8, 8, 3, gen, padding: 1), new LeakyReLU(0.1f), new Flatten(), new NN.Linear(8 * 4 * 4, 4, gen));

    /// <summary>
    /// A separable synthetic problem: class k is a bright 3×3 blob in quadrant k of an 8×8 image, plus noise.
    /// </summary>
    static (Tensor Images, Tensor Labels) Problem(int n, ulong seed)
    {
        using var noise = Tensor.Randn([n, 1, 8, 8], new Philox(seed));
        var images = noise.ToArray();
        var labels = new float[n];
        for (int i = 0; i < n; i++)
        {
            int k = i % 4;
            labels[i] = k;
            int y0 = k / 2 * 4, x0 = k % 2 * 4;
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 3; x++) images[i * 64 + (y0 + y) * 8 + x0 + x] *= 0.3f;
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 3; x++) images[i * 64 + (y0 + y) * 8 + x0 + x] += 3f;
        }
        return (Tensor.FromArray(images, n, 1, 8, 8), Tensor.FromArray(labels, n));
    }

    [Test]
    public void AdamReachesFullTrainingAccuracyOnASeparableProblem()
    {
        using var net = SmallConvNet(new Philox(11));
        using var adam = new Adam(net.Parameters(), 1e-2f);
        var (x, y) = Problem(64, 5);
        using (x) using (y)
        {
            for (int step = 0; step < 60; step++)
            {
                using var scope = TensorScope.Begin();
                var loss = CrossEntropy(net.Forward(x), y);
                adam.ZeroGrad();
                loss.Backward();
                adam.Step();
            }
            net.Eval();
            using var scope2 = TensorScope.Begin();
            var predicted = Argmax(net.Forward(x), 1).ToArray();
            Assert.That(predicted, Is.EqualTo(y.ToArray()), "100% training accuracy");
        }
    }

    [Test]
    public void FiftyTrainingStepsReturnTheLiveCountToItsStart()
    {
        using var net = SmallConvNet(new Philox(12));
        using var adam = new Adam(net.Parameters(), 1e-3f);
        var (x, y) = Problem(16, 6);
        using (x) using (y)
        {
            // One warm-up step creates the gradients and Adam's state, which persist by design.
            void Step()
            {
                using var scope = TensorScope.Begin();
                var loss = CrossEntropy(net.Forward(x), y);
                adam.ZeroGrad();
                loss.Backward();
                adam.Step();
            }
            Step();
            long tensors = Tensor.LiveTensors, buffers = BufferPool.LiveBuffers, bytes = BufferPool.LiveBytes;
            for (int i = 0; i < 50; i++) Step();
            Assert.That(Tensor.LiveTensors, Is.EqualTo(tensors), "live tensors");
            Assert.That(BufferPool.LiveBuffers, Is.EqualTo(buffers), "live pooled buffers");
            Assert.That(BufferPool.LiveBytes, Is.EqualTo(bytes), "live pooled bytes");
        }
    }
}
