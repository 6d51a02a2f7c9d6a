using DafL.Backends;
using DafL.Memory;

namespace DafL.Tests.Diagnostics;

/// <summary>What <see cref="FaultyBackend"/> does wrong in its one faulty method.</summary>
public enum Fault
{
    /// <summary>
    /// Runs the kernel, then moves the first element of every output far from its value, further on each call (so a
    /// repeated call differs too); a NaN there becomes a number.
    /// </summary>
    Perturb,
    /// <summary>Returns without running the kernel, leaving the outputs unwritten.</summary>
    Skip,
    /// <summary>Throws, as a device error would.</summary>
    Throw,
}

/// <summary>
/// The CPU backend with one method made wrong on purpose, to show that the parity harness flags exactly that
/// method. The host copies, allocation and synchronisation are never faulty: the harness itself moves data with them.
/// </summary>
public sealed unsafe class FaultyBackend(string method, Fault fault) : IBackend
{
    readonly IBackend _cpu = Backend.Cpu;
    int _faultyCalls;

    public string Name => $"cpu with a faulty {method}";

    void Run(string name, Action kernel, params Tensor?[] tensors)
    {
        if (name != method)
        {
            kernel();
            return;
        }
        switch (fault)
        {
            case Fault.Throw: throw new InvalidOperationException($"{name} failed on purpose");
            case Fault.Skip: return;
        }
        kernel();
        _faultyCalls++;
        foreach (var t in tensors)
        {
            if (t == null) continue;
            float scale = t.ToArray().Where(float.IsFinite).Select(MathF.Abs).DefaultIfEmpty(0).Max();
            float first = float.IsNaN(t.Ptr[0]) ? 0 : t.Ptr[0];
            t.Ptr[0] = first + (1 + 2 * scale) * _faultyCalls; // further than any tolerance from the right value
        }
    }

    public void Synchronize() => _cpu.Synchronize();
    public Storage Allocate(long floats) => _cpu.Allocate(floats);
    public void CopyFromHost(ReadOnlySpan<float> src, Tensor dst) => _cpu.CopyFromHost(src, dst);
    public void CopyToHost(Tensor src, Span<float> dst) => _cpu.CopyToHost(src, dst);

    public void Fill(Tensor dst, float value) => Run(nameof(Fill), () => _cpu.Fill(dst, value), dst);
    public void CopyStrided(Tensor src, Tensor dst) => Run(nameof(CopyStrided), () => _cpu.CopyStrided(src, dst), dst);
    public void FillUniform(Tensor dst, ulong seed, ulong offset) => Run(nameof(FillUniform), () => _cpu.FillUniform(dst, seed, offset), dst);
    public void FillNormal(Tensor dst, ulong seed, ulong offset) => Run(nameof(FillNormal), () => _cpu.FillNormal(dst, seed, offset), dst);
    public void AddInPlace(Tensor dst, Tensor src) => Run(nameof(AddInPlace), () => _cpu.AddInPlace(dst, src), dst);

    public void LeakyRelu(Tensor x, Tensor y, float slope) => Run(nameof(LeakyRelu), () => _cpu.LeakyRelu(x, y, slope), y);
    public void LeakyReluBackward(Tensor x, Tensor gy, Tensor gx, float slope) => Run(nameof(LeakyReluBackward), () => _cpu.LeakyReluBackward(x, gy, gx, slope), gx);
    public void Tanh(Tensor x, Tensor y) => Run(nameof(Tanh), () => _cpu.Tanh(x, y), y);
    public void TanhBackward(Tensor y, Tensor gy, Tensor gx) => Run(nameof(TanhBackward), () => _cpu.TanhBackward(y, gy, gx), gx);

    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y) => Run(nameof(Binary), () => _cpu.Binary(op, a, b, y), y);
    public void Unary(UnaryOp op, Tensor x, Tensor y) => Run(nameof(Unary), () => _cpu.Unary(op, x, y), y);
    public void UnaryBackward(UnaryOp op, Tensor saved, Tensor gy, Tensor gx) => Run(nameof(UnaryBackward), () => _cpu.UnaryBackward(op, saved, gy, gx), gx);
    public void Affine(Tensor x, Tensor y, float a, float b) => Run(nameof(Affine), () => _cpu.Affine(x, y, a, b), y);

    public void SumTo(Tensor x, Tensor y, float scale) => Run(nameof(SumTo), () => _cpu.SumTo(x, y, scale), y);
    public void Expand(Tensor x, Tensor y, float scale) => Run(nameof(Expand), () => _cpu.Expand(x, y, scale), y);
    public void Argmax(Tensor x, Tensor y, int dim) => Run(nameof(Argmax), () => _cpu.Argmax(x, y, dim), y);

    public void Softmax(Tensor x, Tensor y, int dim, bool log) => Run(nameof(Softmax), () => _cpu.Softmax(x, y, dim, log), y);
    public void SoftmaxBackward(Tensor y, Tensor gy, Tensor gx, int dim, bool log) => Run(nameof(SoftmaxBackward), () => _cpu.SoftmaxBackward(y, gy, gx, dim, log), gx);
    public void CrossEntropy(Tensor logits, Tensor targets, Tensor loss) => Run(nameof(CrossEntropy), () => _cpu.CrossEntropy(logits, targets, loss), loss);
    public void CrossEntropyBackward(Tensor logits, Tensor targets, Tensor gLoss, Tensor gLogits) =>
        Run(nameof(CrossEntropyBackward), () => _cpu.CrossEntropyBackward(logits, targets, gLoss, gLogits), gLogits);
    public void KlDiv(Tensor logProbs, Tensor target, Tensor loss, float scale) => Run(nameof(KlDiv), () => _cpu.KlDiv(logProbs, target, loss, scale), loss);
    public void KlDivBackward(Tensor logProbs, Tensor target, Tensor gLoss, Tensor? gLogProbs, Tensor? gTarget, float scale) =>
        Run(nameof(KlDivBackward), () => _cpu.KlDivBackward(logProbs, target, gLoss, gLogProbs, gTarget, scale), gLogProbs, gTarget);
    public void KdLoss(Tensor student, Tensor teacher, Tensor loss, float temperature) => Run(nameof(KdLoss), () => _cpu.KdLoss(student, teacher, loss, temperature), loss);
    public void KdLossBackward(Tensor student, Tensor teacher, Tensor gLoss, Tensor gStudent, float temperature) =>
        Run(nameof(KdLossBackward), () => _cpu.KdLossBackward(student, teacher, gLoss, gStudent, temperature), gStudent);

    public void InformationEntropy(Tensor logits, Tensor loss, float scale) => Run(nameof(InformationEntropy), () => _cpu.InformationEntropy(logits, loss, scale), loss);
    public void InformationEntropyBackward(Tensor logits, Tensor gLoss, Tensor gLogits, float scale) =>
        Run(nameof(InformationEntropyBackward), () => _cpu.InformationEntropyBackward(logits, gLoss, gLogits, scale), gLogits);
    public void AbsSum(Tensor x, Tensor loss, float scale) => Run(nameof(AbsSum), () => _cpu.AbsSum(x, loss, scale), loss);
    public void AbsSumBackward(Tensor x, Tensor gLoss, Tensor gx, float scale) => Run(nameof(AbsSumBackward), () => _cpu.AbsSumBackward(x, gLoss, gx, scale), gx);

    public void MatMul(Tensor a, bool transA, Tensor b, bool transB, Tensor c, float alpha, float beta) =>
        Run(nameof(MatMul), () => _cpu.MatMul(a, transA, b, transB, c, alpha, beta), c);

    public void Conv2dForward(Tensor x, Tensor weight, Tensor? bias, Tensor y, int stride, int padding) =>
        Run(nameof(Conv2dForward), () => _cpu.Conv2dForward(x, weight, bias, y, stride, padding), y);
    public void Conv2dBackwardData(Tensor gy, Tensor weight, Tensor gx, int stride, int padding) =>
        Run(nameof(Conv2dBackwardData), () => _cpu.Conv2dBackwardData(gy, weight, gx, stride, padding), gx);
    public void Conv2dBackwardWeight(Tensor x, Tensor gy, Tensor gw, int stride, int padding) =>
        Run(nameof(Conv2dBackwardWeight), () => _cpu.Conv2dBackwardWeight(x, gy, gw, stride, padding), gw);
    public void Conv2dBackwardBias(Tensor gy, Tensor gb) => Run(nameof(Conv2dBackwardBias), () => _cpu.Conv2dBackwardBias(gy, gb), gb);

    public void BatchNormForwardTraining(Tensor x, Tensor? weight, Tensor? bias, Tensor? runningMean, Tensor? runningVar,
        float momentum, float eps, Tensor y, Tensor saveMean, Tensor saveVar) =>
        Run(nameof(BatchNormForwardTraining), () => _cpu.BatchNormForwardTraining(x, weight, bias, runningMean, runningVar, momentum, eps, y, saveMean, saveVar),
            y, saveMean, saveVar, runningMean, runningVar);
    public void BatchNormForwardInference(Tensor x, Tensor mean, Tensor var, Tensor? weight, Tensor? bias, float eps, Tensor y) =>
        Run(nameof(BatchNormForwardInference), () => _cpu.BatchNormForwardInference(x, mean, var, weight, bias, eps, y), y);
    public void BatchNormBackward(Tensor x, Tensor gy, Tensor mean, Tensor var, Tensor? weight, float eps, bool training,
        Tensor? gx, Tensor? gWeight, Tensor? gBias) =>
        Run(nameof(BatchNormBackward), () => _cpu.BatchNormBackward(x, gy, mean, var, weight, eps, training, gx, gWeight, gBias), gx, gWeight, gBias);

    public void MaxPool2d(Tensor x, int kernel, int stride, Tensor y, Tensor indices) => Run(nameof(MaxPool2d), () => _cpu.MaxPool2d(x, kernel, stride, y, indices), y, indices);
    public void MaxPool2dBackward(Tensor gy, Tensor indices, Tensor gx) => Run(nameof(MaxPool2dBackward), () => _cpu.MaxPool2dBackward(gy, indices, gx), gx);
    public void AvgPool2d(Tensor x, int kernel, int stride, Tensor y) => Run(nameof(AvgPool2d), () => _cpu.AvgPool2d(x, kernel, stride, y), y);
    public void AvgPool2dBackward(Tensor gy, int kernel, int stride, Tensor gx) => Run(nameof(AvgPool2dBackward), () => _cpu.AvgPool2dBackward(gy, kernel, stride, gx), gx);
    public void UpsampleNearest(Tensor x, int scale, Tensor y) => Run(nameof(UpsampleNearest), () => _cpu.UpsampleNearest(x, scale, y), y);
    public void UpsampleNearestBackward(Tensor gy, int scale, Tensor gx) => Run(nameof(UpsampleNearestBackward), () => _cpu.UpsampleNearestBackward(gy, scale, gx), gx);

    public void SgdStep(Tensor param, Tensor grad, Tensor? momentumBuffer, SgdScalars s, bool firstStep) =>
        Run(nameof(SgdStep), () => _cpu.SgdStep(param, grad, momentumBuffer, s, firstStep), param, momentumBuffer);
    public void AdamStep(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, AdamScalars s) =>
        Run(nameof(AdamStep), () => _cpu.AdamStep(param, grad, expAvg, expAvgSq, s), param, expAvg, expAvgSq);

    /// <summary>The methods a fault can be put in: every IBackend method except the ones the harness moves data with.</summary>
    public static IEnumerable<string> FaultableMethods() =>
        typeof(IBackend).GetMethods().Where(m => !m.IsSpecialName).Select(m => m.Name)
            .Except([nameof(Synchronize), nameof(Allocate), nameof(CopyFromHost), nameof(CopyToHost)]).Distinct().Order();
}
