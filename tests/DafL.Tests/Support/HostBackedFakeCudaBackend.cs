using DafL.Backends;
using DafL.Memory;

namespace DafL.Tests.Support;

/// <summary>
/// A stand-in for the CUDA backend on a machine without a GPU: every tensor it allocates reports
/// <see cref="Device.Cuda"/>, and each kernel runs the CPU backend's kernel on CPU tensors that alias the same host
/// memory (created for the call, disposed after it). So a model run here gives the CPU's numbers bit for bit, while
/// any code that touches device memory through the host API (Ptr, Span), mixes devices, or forgets to move a tensor
/// fails as it would on a GPU. Each kernel also refuses a tensor that is not on this "device".
/// </summary>
sealed class HostBackedFakeCudaBackend : IBackend
{
    static IBackend Cpu => Backend.Cpu;

    /// <summary>Tensors lent to CPU kernels so far, to show that work really ran on this backend.</summary>
    public long HostViews { get; private set; }

    /// <summary>Device→host copies so far: on a real GPU each one waits for the stream.</summary>
    public long HostReads { get; private set; }

    public string Name => "fake-cuda";

    public void Synchronize() { }

    public Storage Allocate(long floats) => new FakeCudaStorage(floats);

    /// <summary>A CPU tensor over <paramref name="t"/>'s memory, with its shape, strides and offset.</summary>
    Tensor Host(Tensor t)
    {
        if (t.Storage is not FakeCudaStorage fake)
            throw new InvalidOperationException($"fake-cuda kernel got a tensor {Tensor.ShapeString(t.Shape)} on {t.Device}: an op let mixed devices through.");
        HostViews++;
        fake.Host.AddRef();
        return new Tensor(fake.Host, t.Shape, t.Strides, t.Offset);
    }

    Tensor? HostOrNull(Tensor? t) => t == null ? null : Host(t);

    // ---------------------------------------------------------------- core

    public void Fill(Tensor dst, float value) { using var d = Host(dst); Cpu.Fill(d, value); }
    public void CopyFromHost(ReadOnlySpan<float> src, Tensor dst) { using var d = Host(dst); Cpu.CopyFromHost(src, d); }
    public void CopyToHost(Tensor src, Span<float> dst) { HostReads++; using var s = Host(src); Cpu.CopyToHost(s, dst); }
    public void CopyStrided(Tensor src, Tensor dst) { using var s = Host(src); using var d = Host(dst); Cpu.CopyStrided(s, d); }
    public void FillUniform(Tensor dst, ulong seed, ulong offset) { using var d = Host(dst); Cpu.FillUniform(d, seed, offset); }
    public void FillNormal(Tensor dst, ulong seed, ulong offset) { using var d = Host(dst); Cpu.FillNormal(d, seed, offset); }
    public void AddInPlace(Tensor dst, Tensor src) { using var d = Host(dst); using var s = Host(src); Cpu.AddInPlace(d, s); }

    // ---------------------------------------------------------------- activation

    public void LeakyRelu(Tensor x, Tensor y, float slope) { using var a = Host(x); using var b = Host(y); Cpu.LeakyRelu(a, b, slope); }
    public void LeakyReluBackward(Tensor x, Tensor gy, Tensor gx, float slope) { using var a = Host(x); using var b = Host(gy); using var c = Host(gx); Cpu.LeakyReluBackward(a, b, c, slope); }
    public void Tanh(Tensor x, Tensor y) { using var a = Host(x); using var b = Host(y); Cpu.Tanh(a, b); }
    public void TanhBackward(Tensor y, Tensor gy, Tensor gx) { using var a = Host(y); using var b = Host(gy); using var c = Host(gx); Cpu.TanhBackward(a, b, c); }

    // ---------------------------------------------------------------- conv

    public void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, Tensor y, int stride, int padding)
    {
        using var a = Host(x); using var w = Host(weight); using var b = HostOrNull(bias); using var o = Host(y);
        Cpu.Conv2dForward(a, w, b, o, stride, padding);
    }

    public void Conv2dBackwardData(Tensor gy, Tensor weight, Tensor gx, int stride, int padding)
    {
        using var g = Host(gy); using var w = Host(weight); using var o = Host(gx);
        Cpu.Conv2dBackwardData(g, w, o, stride, padding);
    }

    public void Conv2dBackwardWeight(Tensor x, Tensor gy, Tensor gw, int stride, int padding)
    {
        using var a = Host(x); using var g = Host(gy); using var o = Host(gw);
        Cpu.Conv2dBackwardWeight(a, g, o, stride, padding);
    }

    public void Conv2dBackwardBias(Tensor gy, Tensor gb) { using var g = Host(gy); using var o = Host(gb); Cpu.Conv2dBackwardBias(g, o); }

    // ---------------------------------------------------------------- DAFL losses

    public void InformationEntropy(Tensor logits, Tensor loss, float scale) { using var a = Host(logits); using var l = Host(loss); Cpu.InformationEntropy(a, l, scale); }
    public void InformationEntropyBackward(Tensor logits, Tensor gLoss, Tensor gLogits, float scale)
    {
        using var a = Host(logits); using var g = Host(gLoss); using var o = Host(gLogits);
        Cpu.InformationEntropyBackward(a, g, o, scale);
    }
    public void AbsSum(Tensor x, Tensor loss, float scale) { using var a = Host(x); using var l = Host(loss); Cpu.AbsSum(a, l, scale); }
    public void AbsSumBackward(Tensor x, Tensor gLoss, Tensor gx, float scale)
    {
        using var a = Host(x); using var g = Host(gLoss); using var o = Host(gx);
        Cpu.AbsSumBackward(a, g, o, scale);
    }

    // ---------------------------------------------------------------- elementwise

    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y) { using var l = Host(a); using var r = Host(b); using var o = Host(y); Cpu.Binary(op, l, r, o); }
    public void Unary(UnaryOp op, Tensor x, Tensor y) { using var a = Host(x); using var o = Host(y); Cpu.Unary(op, a, o); }
    public void UnaryBackward(UnaryOp op, Tensor saved, Tensor gy, Tensor gx) { using var s = Host(saved); using var g = Host(gy); using var o = Host(gx); Cpu.UnaryBackward(op, s, g, o); }
    public void Affine(Tensor x, Tensor y, float a, float b) { using var i = Host(x); using var o = Host(y); Cpu.Affine(i, o, a, b); }

    // ---------------------------------------------------------------- linear algebra

    public void MatMul(Tensor a, bool transA, Tensor b, bool transB, Tensor c, float alpha, float beta)
    {
        using var l = Host(a); using var r = Host(b); using var o = Host(c);
        Cpu.MatMul(l, transA, r, transB, o, alpha, beta);
    }

    // ---------------------------------------------------------------- batch norm

    public void BatchNormForwardTraining(Tensor x, Tensor? weight, Tensor? bias, Tensor? runningMean, Tensor? runningVar,
        float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveVar)
    {
        using var a = Host(x); using var w = HostOrNull(weight); using var b = HostOrNull(bias);
        using var rm = HostOrNull(runningMean); using var rv = HostOrNull(runningVar);
        using var o = Host(y); using var sm = Host(saveMean); using var sv = Host(saveVar);
        Cpu.BatchNormForwardTraining(a, w, b, rm, rv, momentum, eps, o, sm, sv);
    }

    public void BatchNormForwardInference(Tensor x, Tensor mean, Tensor var, Tensor? weight, Tensor? bias, float eps, Tensor y)
    {
        using var a = Host(x); using var m = Host(mean); using var v = Host(var);
        using var w = HostOrNull(weight); using var b = HostOrNull(bias); using var o = Host(y);
        Cpu.BatchNormForwardInference(a, m, v, w, b, eps, o);
    }

    public void BatchNormBackward(Tensor x, Tensor gy, Tensor mean, Tensor var, Tensor? weight, float eps, bool training,
        Tensor? gx, Tensor? gWeight, Tensor? gBias)
    {
        using var a = Host(x); using var g = Host(gy); using var m = Host(mean); using var v = Host(var);
        using var w = HostOrNull(weight); using var ox = HostOrNull(gx); using var ow = HostOrNull(gWeight); using var ob = HostOrNull(gBias);
        Cpu.BatchNormBackward(a, g, m, v, w, eps, training, ox, ow, ob);
    }

    // ---------------------------------------------------------------- optimizers

    public void SgdStep(Tensor param, Tensor grad, Tensor? momentumBuffer, SgdScalars s, bool firstStep)
    {
        using var p = Host(param); using var g = Host(grad); using var m = HostOrNull(momentumBuffer);
        Cpu.SgdStep(p, g, m, s, firstStep);
    }

    public void AdamStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamScalars s)
    {
        using var p = Host(param); using var g = Host(grad); using var m = Host(expAvg); using var v = Host(expAvgSq);
        Cpu.AdamStep(p, g, m, v, s);
    }

    // ---------------------------------------------------------------- pooling and upsampling

    public void MaxPool2d(Tensor x, int kernel, int stride, Tensor y, Tensor indices)
    {
        using var a = Host(x); using var o = Host(y); using var i = Host(indices);
        Cpu.MaxPool2d(a, kernel, stride, o, i);
    }
    public void MaxPool2dBackward(Tensor gy, Tensor indices, Tensor gx) { using var g = Host(gy); using var i = Host(indices); using var o = Host(gx); Cpu.MaxPool2dBackward(g, i, o); }
    public void AvgPool2d(Tensor x, int kernel, int stride, Tensor y) { using var a = Host(x); using var o = Host(y); Cpu.AvgPool2d(a, kernel, stride, o); }
    public void AvgPool2dBackward(Tensor gy, int kernel, int stride, Tensor gx) { using var g = Host(gy); using var o = Host(gx); Cpu.AvgPool2dBackward(g, kernel, stride, o); }
    public void UpsampleNearest(Tensor x, int scale, Tensor y) { using var a = Host(x); using var o = Host(y); Cpu.UpsampleNearest(a, scale, o); }
    public void UpsampleNearestBackward(Tensor gy, int scale, Tensor gx) { using var g = Host(gy); using var o = Host(gx); Cpu.UpsampleNearestBackward(g, scale, o); }

    // ---------------------------------------------------------------- reductions

    public void SumTo(Tensor x, Tensor y, float scale) { using var a = Host(x); using var o = Host(y); Cpu.SumTo(a, o, scale); }
    public void Expand(Tensor x, Tensor y, float scale) { using var a = Host(x); using var o = Host(y); Cpu.Expand(a, o, scale); }
    public void Argmax(Tensor x, Tensor y, int dim) { using var a = Host(x); using var o = Host(y); Cpu.Argmax(a, o, dim); }

    // ---------------------------------------------------------------- softmax and losses

    public void Softmax(Tensor x, Tensor y, int dim, bool log) { using var a = Host(x); using var o = Host(y); Cpu.Softmax(a, o, dim, log); }
    public void SoftmaxBackward(Tensor y, Tensor gy, Tensor gx, int dim, bool log) { using var a = Host(y); using var g = Host(gy); using var o = Host(gx); Cpu.SoftmaxBackward(a, g, o, dim, log); }
    public void CrossEntropy(Tensor logits, Tensor targets, Tensor loss) { using var a = Host(logits); using var t = Host(targets); using var l = Host(loss); Cpu.CrossEntropy(a, t, l); }
    public void CrossEntropyBackward(Tensor logits, Tensor targets, Tensor gLoss, Tensor gLogits)
    {
        using var a = Host(logits); using var t = Host(targets); using var g = Host(gLoss); using var o = Host(gLogits);
        Cpu.CrossEntropyBackward(a, t, g, o);
    }
    public void KlDiv(Tensor logProbs, Tensor target, Tensor loss, float scale) { using var a = Host(logProbs); using var t = Host(target); using var l = Host(loss); Cpu.KlDiv(a, t, l, scale); }
    public void KlDivBackward(Tensor logProbs, Tensor target, Tensor gLoss, Tensor? gLogProbs, Tensor? gTarget, float scale)
    {
        using var a = Host(logProbs); using var t = Host(target); using var g = Host(gLoss);
        using var oa = HostOrNull(gLogProbs); using var ot = HostOrNull(gTarget);
        Cpu.KlDivBackward(a, t, g, oa, ot, scale);
    }
    public void KdLoss(Tensor student, Tensor teacher, Tensor loss, float temperature) { using var s = Host(student); using var t = Host(teacher); using var l = Host(loss); Cpu.KdLoss(s, t, l, temperature); }
    public void KdLossBackward(Tensor student, Tensor teacher, Tensor gLoss, Tensor gStudent, float temperature)
    {
        using var s = Host(student); using var t = Host(teacher); using var g = Host(gLoss); using var o = Host(gStudent);
        Cpu.KdLossBackward(s, t, g, o, temperature);
    }
}
