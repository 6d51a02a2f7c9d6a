using DafL.Backends;
using DafL.Memory;

namespace DafL.Diagnostics;

/// <summary>
/// A backend that runs every kernel on an inner backend and hands its wall time to <see cref="KernelProfile"/>,
/// labelled with the kernel's name and the shape of its first tensor. Each kernel is timed from its call until the
/// inner backend has finished it (<see cref="IBackend.Synchronize"/>), so on an asynchronous device the profile
/// shows kernel times, at the cost of the overlap a real run would have.
/// </summary>
sealed class ProfilingBackend(IBackend inner, KernelProfile profile) : IBackend
{
    readonly IBackend _inner = inner;

    public string Name => _inner.Name;
    public IBackend Inner => _inner;

    static long Begin() => System.Diagnostics.Stopwatch.GetTimestamp();

    void End(string kernel, Tensor? labelled, long start)
    {
        _inner.Synchronize();
        profile.Add(_inner.Name, kernel, labelled?.Shape, System.Diagnostics.Stopwatch.GetTimestamp() - start);
    }

    public void LeakyRelu(Tensor x, Tensor y, float slope)
    {
        long t = Begin();
        _inner.LeakyRelu(x, y, slope);
        End("LeakyRelu", x, t);
    }

    public void LeakyReluBackward(Tensor x, Tensor gy, Tensor gx, float slope)
    {
        long t = Begin();
        _inner.LeakyReluBackward(x, gy, gx, slope);
        End("LeakyReluBackward", x, t);
    }

    public void Tanh(Tensor x, Tensor y)
    {
        long t = Begin();
        _inner.Tanh(x, y);
        End("Tanh", x, t);
    }

    public void TanhBackward(Tensor y, Tensor gy, Tensor gx)
    {
        long t = Begin();
        _inner.TanhBackward(y, gy, gx);
        End("TanhBackward", y, t);
    }

    public void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, Tensor y, int stride, int padding)
    {
        long t = Begin();
        _inner.Conv2dForward(x, weight, bias, y, stride, padding);
        End("Conv2dForward", x, t);
    }

    public void Conv2dBackwardData(Tensor gy, Tensor weight, Tensor gx, int stride, int padding)
    {
        long t = Begin();
        _inner.Conv2dBackwardData(gy, weight, gx, stride, padding);
        End("Conv2dBackwardData", gy, t);
    }

    public void Conv2dBackwardWeight(Tensor x, Tensor gy, Tensor gw, int stride, int padding)
    {
        long t = Begin();
        _inner.Conv2dBackwardWeight(x, gy, gw, stride, padding);
        End("Conv2dBackwardWeight", x, t);
    }

    public void Conv2dBackwardBias(Tensor gy, Tensor gb)
    {
        long t = Begin();
        _inner.Conv2dBackwardBias(gy, gb);
        End("Conv2dBackwardBias", gy, t);
    }

    public void Synchronize() => _inner.Synchronize();
    public Storage Allocate(long floats) => _inner.Allocate(floats);
    public void Fill(Tensor dst, float value)
    {
        long t = Begin();
        _inner.Fill(dst, value);
        End("Fill", dst, t);
    }

    public void CopyFromHost(ReadOnlySpan<float> src, Tensor dst)
    {
        long t = Begin();
        _inner.CopyFromHost(src, dst);
        End("CopyFromHost", dst, t);
    }

    public void CopyToHost(Tensor src, Span<float> dst)
    {
        long t = Begin();
        _inner.CopyToHost(src, dst);
        End("CopyToHost", src, t);
    }

    public void CopyStrided(Tensor src, Tensor dst)
    {
        long t = Begin();
        _inner.CopyStrided(src, dst);
        End("CopyStrided", src, t);
    }

    public void FillUniform(Tensor dst, ulong seed, ulong offset)
    {
        long t = Begin();
        _inner.FillUniform(dst, seed, offset);
        End("FillUniform", dst, t);
    }

    public void FillNormal(Tensor dst, ulong seed, ulong offset)
    {
        long t = Begin();
        _inner.FillNormal(dst, seed, offset);
        End("FillNormal", dst, t);
    }

    public void AddInPlace(Tensor dst, Tensor src)
    {
        long t = Begin();
        _inner.AddInPlace(dst, src);
        End("AddInPlace", dst, t);
    }

    public void InformationEntropy(Tensor logits, Tensor loss, float scale)
    {
        long t = Begin();
        _inner.InformationEntropy(logits, loss, scale);
        End("InformationEntropy", logits, t);
    }

    public void InformationEntropyBackward(Tensor logits, Tensor gLoss, Tensor gLogits, float scale)
    {
        long t = Begin();
        _inner.InformationEntropyBackward(logits, gLoss, gLogits, scale);
        End("InformationEntropyBackward", logits, t);
    }

    public void AbsSum(Tensor x, Tensor loss, float scale)
    {
        long t = Begin();
        _inner.AbsSum(x, loss, scale);
        End("AbsSum", x, t);
    }

    public void AbsSumBackward(Tensor x, Tensor gLoss, Tensor gx, float scale)
    {
        long t = Begin();
        _inner.AbsSumBackward(x, gLoss, gx, scale);
        End("AbsSumBackward", x, t);
    }

    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y)
    {
        long t = Begin();
        _inner.Binary(op, a, b, y);
        End("Binary", a, t);
    }

    public void Unary(UnaryOp op, Tensor x, Tensor y)
    {
        long t = Begin();
        _inner.Unary(op, x, y);
        End("Unary", x, t);
    }

    public void UnaryBackward(UnaryOp op, Tensor saved, Tensor gy, Tensor gx)
    {
        long t = Begin();
        _inner.UnaryBackward(op, saved, gy, gx);
        End("UnaryBackward", saved, t);
    }

    public void Affine(Tensor x, Tensor y, float a, float b)
    {
        long t = Begin();
        _inner.Affine(x, y, a, b);
        End("Affine", x, t);
    }

    public void MatMul(Tensor a, bool transA, Tensor b, bool transB, Tensor c, float alpha, float beta)
    {
        long t = Begin();
        _inner.MatMul(a, transA, b, transB, c, alpha, beta);
        End("MatMul", a, t);
    }

    public void BatchNormForwardTraining(Tensor x, Tensor? weight, Tensor? bias, Tensor? runningMean, Tensor? runningVar, float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveVar)
    {
        long t = Begin();
        _inner.BatchNormForwardTraining(x, weight, bias, runningMean, runningVar, momentum, eps, y, saveMean, saveVar);
        End("BatchNormForwardTraining", x, t);
    }

    public void BatchNormForwardInference(Tensor x, Tensor mean, Tensor var, Tensor? weight, Tensor? bias, float eps, Tensor y)
    {
        long t = Begin();
        _inner.BatchNormForwardInference(x, mean, var, weight, bias, eps, y);
        End("BatchNormForwardInference", x, t);
    }

    public void BatchNormBackward(Tensor x, Tensor gy, Tensor mean, Tensor var, Tensor? weight, float eps, bool training, Tensor? gx, Tensor? gWeight, Tensor? gBias)
    {
        long t = Begin();
        _inner.BatchNormBackward(x, gy, mean, var, weight, eps, training, gx, gWeight, gBias);
        End("BatchNormBackward", x, t);
    }

    public void SgdStep(Tensor param, Tensor grad, Tensor? momentumBuffer, SgdScalars s, bool firstStep)
    {
        long t = Begin();
        _inner.SgdStep(param, grad, momentumBuffer, s, firstStep);
        End("SgdStep", param, t);
    }

    public void AdamStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamScalars s)
    {
        long t = Begin();
        _inner.AdamStep(param, grad, expAvg, expAvgSq, s);
        End("AdamStep", param, t);
    }

    public void MaxPool2d(Tensor x, int kernel, int stride, Tensor y, Tensor indices)
    {
        long t = Begin();
        _inner.MaxPool2d(x, kernel, stride, y, indices);
        End("MaxPool2d", x, t);
    }

    public void MaxPool2dBackward(Tensor gy, Tensor indices, Tensor gx)
    {
        long t = Begin();
        _inner.MaxPool2dBackward(gy, indices, gx);
        End("MaxPool2dBackward", gy, t);
    }

    public void AvgPool2d(Tensor x, int kernel, int stride, Tensor y)
    {
        long t = Begin();
        _inner.AvgPool2d(x, kernel, stride, y);
        End("AvgPool2d", x, t);
    }

    public void AvgPool2dBackward(Tensor gy, int kernel, int stride, Tensor gx)
    {
        long t = Begin();
        _inner.AvgPool2dBackward(gy, kernel, stride, gx);
        End("AvgPool2dBackward", gy, t);
    }

    public void UpsampleNearest(Tensor x, int scale, Tensor y)
    {
        long t = Begin();
        _inner.UpsampleNearest(x, scale, y);
        End("UpsampleNearest", x, t);
    }

    public void UpsampleNearestBackward(Tensor gy, int scale, Tensor gx)
    {
        long t = Begin();
        _inner.UpsampleNearestBackward(gy, scale, gx);
        End("UpsampleNearestBackward", gy, t);
    }

    public void SumTo(Tensor x, Tensor y, float scale)
    {
        long t = Begin();
        _inner.SumTo(x, y, scale);
        End("SumTo", x, t);
    }

    public void Expand(Tensor x, Tensor y, float scale)
    {
        long t = Begin();
        _inner.Expand(x, y, scale);
        End("Expand", x, t);
    }

    public void Argmax(Tensor x, Tensor y, int dim)
    {
        long t = Begin();
        _inner.Argmax(x, y, dim);
        End("Argmax", x, t);
    }

    public void Softmax(Tensor x, Tensor y, int dim, bool log)
    {
        long t = Begin();
        _inner.Softmax(x, y, dim, log);
        End("Softmax", x, t);
    }

    public void SoftmaxBackward(Tensor y, Tensor gy, Tensor gx, int dim, bool log)
    {
        long t = Begin();
        _inner.SoftmaxBackward(y, gy, gx, dim, log);
        End("SoftmaxBackward", y, t);
    }

    public void CrossEntropy(Tensor logits, Tensor targets, Tensor loss)
    {
        long t = Begin();
        _inner.CrossEntropy(logits, targets, loss);
        End("CrossEntropy", logits, t);
    }

    public void CrossEntropyBackward(Tensor logits, Tensor targets, Tensor gLoss, Tensor gLogits)
    {
        long t = Begin();
        _inner.CrossEntropyBackward(logits, targets, gLoss, gLogits);
        End("CrossEntropyBackward", logits, t);
    }

    public void KlDiv(Tensor logProbs, Tensor target, Tensor loss, float scale)
    {
        long t = Begin();
        _inner.KlDiv(logProbs, target, loss, scale);
        End("KlDiv", logProbs, t);
    }

    public void KlDivBackward(Tensor logProbs, Tensor target, Tensor gLoss, Tensor? gLogProbs, Tensor? gTarget, float scale)
    {
        long t = Begin();
        _inner.KlDivBackward(logProbs, target, gLoss, gLogProbs, gTarget, scale);
        End("KlDivBackward", logProbs, t);
    }

    public void KdLoss(Tensor student, Tensor teacher, Tensor loss, float temperature)
    {
        long t = Begin();
        _inner.KdLoss(student, teacher, loss, temperature);
        End("KdLoss", student, t);
    }

    public void KdLossBackward(Tensor student, Tensor teacher, Tensor gLoss, Tensor gStudent, float temperature)
    {
        long t = Begin();
        _inner.KdLossBackward(student, teacher, gLoss, gStudent, temperature);
        End("KdLossBackward", student, t);
    }
}
