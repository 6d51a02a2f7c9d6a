using DafL.Tests.Support;
using DafL.Native;
using static DafL.Ops.Functional;

namespace DafL.Tests.Native;

/// <summary>cuDNN on a real device, against the CPU backend's ops and their autograd.</summary>
public class CudnnDeviceTests : DeviceTestBase
{
    CudnnHandle CreateHandle()
    {
        Skip.Unless(Cudnn.IsAvailable, $"cuDNN is not available: {Cudnn.UnavailableReason}");
        return CudnnHandle.Create(Context);
    }

    [Test]
    public void VersionIsNine()
    {
        using var handle = CreateHandle();
        TestContext.Out.WriteLine($"cuDNN {Cudnn.Version}");
        Assert.That(Cudnn.Version, Is.InRange(90000, 99999));
    }

    [Test]
    public void ConvolutionForwardAndBackwardMatchTheCpu()
    {
        using var handle = CreateHandle();
        const int n = 2, c = 3, h = 9, w = 8, k = 4, kernel = 3, stride = 2, pad = 1;
        const int ho = (h + 2 * pad - kernel) / stride + 1, wo = (w + 2 * pad - kernel) / stride + 1;
        float[] x = RandomValues(n * c * h * w, 1), wt = RandomValues(k * c * kernel * kernel, 2), b = RandomValues(k, 3), dy = RandomValues(n * k * ho * wo, 4);

        // CPU reference: y = conv(x, w) + b, and the gradients of Σ y·dy.
        using var scope = TensorScope.Begin();
        var xt = Tensor.FromArray(x, n, c, h, w);
        var wtt = Tensor.FromArray(wt, k, c, kernel, kernel);
        var bt = Tensor.FromArray(b, k);
        xt.RequiresGrad = wtt.RequiresGrad = bt.RequiresGrad = true;
        var yt = Conv2d(xt, wtt, bt, stride, pad);
        Sum(yt * Tensor.FromArray(dy, n, k, ho, wo)).Backward();

        using var xDesc = CudnnTensorDescriptor.Create4d(n, c, h, w);
        using var yDesc = CudnnTensorDescriptor.Create4d(n, k, ho, wo);
        using var bDesc = CudnnTensorDescriptor.Create4d(1, k, 1, 1);
        using var wDesc = CudnnFilterDescriptor.Create4d(k, c, kernel, kernel);
        using var conv = CudnnConvolutionDescriptor.Create2d(pad, pad, stride, stride);
        DevicePointer xd = Upload(x), wd = Upload(wt), dyd = Upload(dy), yd = Allocate(n * k * ho * wo);
        DevicePointer dxd = Allocate(x.Length), dwd = Allocate(wt.Length), dbd = Allocate(k);
        const long workspaceBytes = 64 << 20;
        DevicePointer workspace = Allocate((int)(workspaceBytes / sizeof(float)));

        var forwardProblem = ConvolutionProblem.Forward(xDesc, wDesc, conv, yDesc);
        var dataProblem = ConvolutionProblem.BackwardData(wDesc, yDesc, conv, xDesc);
        var filterProblem = ConvolutionProblem.BackwardFilter(xDesc, yDesc, conv, wDesc);
        var forward = handle.GetAlgorithms(forwardProblem);
        Assert.That(forward, Is.Not.Empty);
        var fwd = forward.First(p => p.Usable).Algorithm;
        Assert.That(handle.GetWorkspaceSize(forwardProblem, fwd), Is.LessThanOrEqualTo(workspaceBytes));
        handle.Convolve(forwardProblem, 1f, new ConvolutionBuffers(xd, wd, yd), fwd, workspace, workspaceBytes, 0f);
        var y = Download(yd, n * k * ho * wo);
        var yNoBias = Conv2d(xt.Detach(), wtt.Detach(), null, stride, pad).ToArray();
        AssertClose(y, yNoBias, 1e-5f, "y");

        var data = handle.GetAlgorithms(dataProblem).First(p => p.Usable).Algorithm;
        handle.Convolve(dataProblem, 1f, new ConvolutionBuffers(wd, dyd, dxd), data, workspace, workspaceBytes, 0f);
        AssertClose(Download(dxd, x.Length), xt.Grad!.ToArray(), 1e-5f, "dx");

        var filter = handle.GetAlgorithms(filterProblem).First(p => p.Usable).Algorithm;
        handle.Convolve(filterProblem, 1f, new ConvolutionBuffers(xd, dyd, dwd), filter, workspace, workspaceBytes, 0f);
        AssertClose(Download(dwd, wt.Length), wtt.Grad!.ToArray(), 1e-5f, "dw");

        handle.ConvolutionBackwardBias(1f, yDesc, dyd, 0f, bDesc, dbd);
        AssertClose(Download(dbd, k), bt.Grad!.ToArray(), 1e-5f, "db");

        var measured = handle.FindAlgorithms(forwardProblem, new ConvolutionBuffers(xd, wd, yd), workspace, workspaceBytes);
        TestContext.Out.WriteLine(string.Join("\n", measured));
        Assert.That(measured.Any(p => p.Usable && p.Time >= 0), Is.True);
        Assert.That(handle.FindAlgorithms(dataProblem, new ConvolutionBuffers(wd, dyd, dxd), workspace, workspaceBytes).Any(p => p.Usable), Is.True);
        Assert.That(handle.FindAlgorithms(filterProblem, new ConvolutionBuffers(xd, dyd, dwd), workspace, workspaceBytes).Any(p => p.Usable), Is.True);
    }

    [Test]
    public void EachRankedAlgorithmsWorkspaceIsWhatTheQueryForItSays()
    {
        using var handle = CreateHandle();
        using var xDesc = CudnnTensorDescriptor.Create4d(2, 3, 9, 8);
        using var yDesc = CudnnTensorDescriptor.Create4d(2, 4, 9, 8);
        using var wDesc = CudnnFilterDescriptor.Create4d(4, 3, 3, 3);
        using var conv = CudnnConvolutionDescriptor.Create2d(1, 1, 1, 1);
        (string Name, ConvolutionProblem Problem)[] directions =
        [
            ("forward", ConvolutionProblem.Forward(xDesc, wDesc, conv, yDesc)),
            ("backward data", ConvolutionProblem.BackwardData(wDesc, yDesc, conv, xDesc)),
            ("backward filter", ConvolutionProblem.BackwardFilter(xDesc, yDesc, conv, wDesc)),
        ];
        foreach (var (name, problem) in directions)
            foreach (var p in handle.GetAlgorithms(problem).Where(p => p.Usable))
                Assert.That(handle.GetWorkspaceSize(problem, p.Algorithm), Is.EqualTo((long)p.Memory), $"{name} {p}");
    }

    [Test]
    public void AGroupedConvolutionIsOneConvolutionPerGroup()
    {
        using var handle = CreateHandle();
        const int n = 2, c = 4, h = 6, w = 5, k = 6, groups = 2, kernel = 3;
        float[] x = RandomValues(n * c * h * w, 11), wt = RandomValues(k * (c / groups) * kernel * kernel, 12);
        using var xDesc = CudnnTensorDescriptor.Create4d(n, c, h, w);
        using var yDesc = CudnnTensorDescriptor.Create4d(n, k, h, w);
        using var wDesc = CudnnFilterDescriptor.Create4d(k, c / groups, kernel, kernel);
        using var conv = CudnnConvolutionDescriptor.Create2d(1, 1, 1, 1);
        conv.SetGroupCount(groups);
        DevicePointer xd = Upload(x), wd = Upload(wt), yd = Allocate(n * k * h * w);
        var problem = ConvolutionProblem.Forward(xDesc, wDesc, conv, yDesc);
        var algorithm = handle.GetAlgorithms(problem).First(p => p.Usable && p.Memory == 0).Algorithm;
        handle.Convolve(problem, 1f, new ConvolutionBuffers(xd, wd, yd), algorithm, DevicePointer.Null, 0, 0f);

        // Group g: output channels [g·k/G, (g+1)·k/G) from input channels [g·c/G, (g+1)·c/G), on the CPU.
        using var scope = TensorScope.Begin();
        int cg = c / groups, kg = k / groups, plane = h * w;
        var expected = new float[n * k * plane];
        for (int g = 0; g < groups; g++)
        {
            var xg = new float[n * cg * plane];
            for (int i = 0; i < n; i++) Array.Copy(x, (i * c + g * cg) * plane, xg, i * cg * plane, cg * plane);
            var wg = wt.AsSpan(g * kg * cg * kernel * kernel, kg * cg * kernel * kernel).ToArray();
            var part = Conv2d(Tensor.FromArray(xg, n, cg, h, w), Tensor.FromArray(wg, kg, cg, kernel, kernel), null, 1, 1).ToArray();
            for (int i = 0; i < n; i++) Array.Copy(part, i * kg * plane, expected, (i * k + g * kg) * plane, kg * plane);
        }
        AssertClose(Download(yd, expected.Length), expected, 1e-5f, "y");
    }

    [Test]
    public void BatchNormTrainingMatchesTheCpu()
    {
        using var handle = CreateHandle();
        const int n = 4, c = 3, h = 5, w = 6;
        const float eps = 0.8f, momentum = 0.1f; // DAFL's generator: BatchNorm2d(C, 0.8) is eps = 0.8
        float[] x = RandomValues(n * c * h * w, 1), gamma = RandomValues(c, 2), beta = RandomValues(c, 3), dy = RandomValues(n * c * h * w, 4);
        float[] mean0 = [0.1f, -0.2f, 0.3f], var0 = [1f, 2f, 0.5f];

        using var scope = TensorScope.Begin();
        var xt = Tensor.FromArray(x, n, c, h, w);
        var gt = Tensor.FromArray(gamma, c);
        var bt = Tensor.FromArray(beta, c);
        var runningMean = Tensor.FromArray(mean0, c);
        var runningVar = Tensor.FromArray(var0, c);
        xt.RequiresGrad = gt.RequiresGrad = bt.RequiresGrad = true;
        var yt = BatchNorm2d(xt, runningMean, runningVar, gt, bt, training: true, momentum, eps);
        Sum(yt * Tensor.FromArray(dy, n, c, h, w)).Backward();

        using var xDesc = CudnnTensorDescriptor.Create4d(n, c, h, w);
        using var bnDesc = CudnnTensorDescriptor.DeriveBatchNorm(xDesc, CudnnBatchNormMode.Spatial);
        DevicePointer xd = Upload(x), yd = Allocate(x.Length), gd = Upload(gamma), bd = Upload(beta);
        DevicePointer md = Upload(mean0), vd = Upload(var0), saveMean = Allocate(c), saveInv = Allocate(c);
        handle.BatchNormForwardTraining(CudnnBatchNormMode.Spatial, 1f, 0f, xDesc, xd, xDesc, yd, bnDesc, gd, bd, momentum,
            md, vd, eps, saveMean, saveInv);

        AssertClose(Download(yd, x.Length), yt.ToArray(), 1e-5f, "y");
        AssertClose(Download(md, c), runningMean.ToArray(), 1e-5f, "running mean");
        AssertClose(Download(vd, c), runningVar.ToArray(), 1e-5f, "running variance (unbiased, as PyTorch)");

        DevicePointer dyd = Upload(dy), dxd = Allocate(x.Length), dg = Allocate(c), db = Allocate(c);
        handle.BatchNormBackward(CudnnBatchNormMode.Spatial, 1f, 0f, 1f, 0f, xDesc, xd, xDesc, dyd, xDesc, dxd, bnDesc, gd, dg, db,
            eps, saveMean, saveInv);
        AssertClose(Download(dxd, x.Length), xt.Grad!.ToArray(), 1e-4f, "dx");
        AssertClose(Download(dg, c), gt.Grad!.ToArray(), 1e-5f, "dgamma");
        AssertClose(Download(db, c), bt.Grad!.ToArray(), 1e-5f, "dbeta");

        handle.BatchNormForwardInference(CudnnBatchNormMode.Spatial, 1f, 0f, xDesc, xd, xDesc, yd, bnDesc, gd, bd, md, vd, eps);
        var eval = BatchNorm2d(xt.Detach(), runningMean, runningVar, gt.Detach(), bt.Detach(), training: false, momentum, eps);
        AssertClose(Download(yd, x.Length), eval.ToArray(), 1e-5f, "y (inference)");
    }

    [Test]
    public void MaxPoolingMatchesTheCpu()
    {
        using var handle = CreateHandle();
        const int n = 2, c = 3, h = 8, w = 6, ho = 4, wo = 3;
        float[] x = RandomValues(n * c * h * w, 1), dy = RandomValues(n * c * ho * wo, 2);

        using var scope = TensorScope.Begin();
        var xt = Tensor.FromArray(x, n, c, h, w);
        xt.RequiresGrad = true;
        var yt = MaxPool2d(xt, 2, 2);
        Sum(yt * Tensor.FromArray(dy, n, c, ho, wo)).Backward();

        using var xDesc = CudnnTensorDescriptor.Create4d(n, c, h, w);
        using var yDesc = CudnnTensorDescriptor.Create4d(n, c, ho, wo);
        using var pool = CudnnPoolingDescriptor.Create2d(CudnnPoolingMode.Max, 2, 2, 0, 0, 2, 2);
        DevicePointer xd = Upload(x), yd = Allocate(n * c * ho * wo), dyd = Upload(dy), dxd = Allocate(x.Length);

        handle.PoolingForward(pool, 1f, xDesc, xd, 0f, yDesc, yd);
        Assert.That(Download(yd, n * c * ho * wo), Is.EqualTo(yt.ToArray()));
        handle.PoolingBackward(pool, 1f, yDesc, yd, yDesc, dyd, xDesc, xd, 0f, xDesc, dxd);
        Assert.That(Download(dxd, x.Length), Is.EqualTo(xt.Grad!.ToArray()));
    }

    [Test]
    public void MismatchedShapesAreNamed()
    {
        using var handle = CreateHandle();
        using var xDesc = CudnnTensorDescriptor.Create4d(1, 3, 8, 8);
        using var wrongY = CudnnTensorDescriptor.Create4d(1, 4, 5, 5);
        using var wDesc = CudnnFilterDescriptor.Create4d(4, 3, 3, 3);
        using var conv = CudnnConvolutionDescriptor.Create2d(1, 1, 1, 1);
        DevicePointer x = Allocate(3 * 64), wt = Allocate(4 * 27), y = Allocate(4 * 25);

        var e = Assert.Throws<CudaException>(() => handle.Convolve(ConvolutionProblem.Forward(xDesc, wDesc, conv, wrongY), 1f,
            new ConvolutionBuffers(x, wt, y), (int)ConvolutionForwardAlgorithm.ImplicitGemm, DevicePointer.Null, 0, 0f))!;
        TestContext.Out.WriteLine(e.Message);
        Assert.That(e.StatusName, Does.StartWith("CUDNN_STATUS_BAD_PARAM"));
        Assert.That(e.Message, Does.Contain("cudnnConvolutionForward"));
    }
}
