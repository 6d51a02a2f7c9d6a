using DafL.Backends.Cuda.Kernels;

namespace DafL.Backends.Cuda;

/// <summary>
/// Softmax, log-softmax and the losses built on them: along the last dimension one block per row, along any other
/// one thread per (outer, inner) column. Losses write one float64 per row (or chunk) and sum_finish_f64 adds them
/// in order.
/// </summary>
public sealed unsafe partial class CudaBackend
{
    /// <summary>The contents of the bad-row flag while every target is valid.</summary>
    const uint NoBadRow = uint.MaxValue;

    public void Softmax(Tensor x, Tensor y, int dim, bool log)
    {
        const string op = nameof(Softmax);
        var px = Address(x, op);
        var py = Address(y, op);
        var (outer, size, inner) = DimSplit.Around(x.Shape, dim);
        if (size == 0) return;
        int flag = log ? 1 : 0;
        if (inner == 1) _kernels.LaunchRows(Kernel.SoftmaxRows, outer, size, px, py, outer, size, flag);
        else _kernels.LaunchGridStride(Kernel.SoftmaxColumns, outer * inner, px, py, outer, size, inner, flag);
    }

    public void SoftmaxBackward(Tensor y, Tensor gy, Tensor gx, int dim, bool log)
    {
        const string op = nameof(SoftmaxBackward);
        var py = Address(y, op);
        var pg = Address(gy, op);
        var po = Address(gx, op);
        var (outer, size, inner) = DimSplit.Around(y.Shape, dim);
        if (size == 0) return;
        int flag = log ? 1 : 0;
        if (inner == 1) _kernels.LaunchRows(Kernel.SoftmaxRowsBackward, outer, size, py, pg, po, outer, size, flag);
        else _kernels.LaunchGridStride(Kernel.SoftmaxColumnsBackward, outer * inner, py, pg, po, outer, size, inner, flag);
    }

    /// <summary>
    /// One float64 loss per row, then their mean. The kernel flags the first row whose target is not a class index;
    /// reading the flag back waits for the stream (the training loop reads the loss anyway).
    /// </summary>
    public void CrossEntropy(Tensor logits, Tensor targets, Tensor loss)
    {
        const string op = nameof(CrossEntropy);
        var px = Address(logits, op);
        var pt = Address(targets, op);
        var pl = Address(loss, op);
        long rows = logits.Shape[0], classes = logits.Shape[1];
        using var rowLoss = Scratch(2 * rows);
        using var badRow = Scratch(1);
        _context.Fill32Async(badRow.Pointer, NoBadRow, 1, _stream);
        _kernels.LaunchRows(Kernel.CrossEntropyRows, rows, classes, px, pt, rowLoss.Pointer, rows, classes, badRow.Pointer);
        _kernels.LaunchSingleBlock(Kernel.SumFinish, rowLoss.Pointer, rows, pl, 1.0 / rows);
        uint bad = NoBadRow;
        _context.CopyToHostAsync(&bad, badRow.Pointer, sizeof(uint), _stream);
        _stream.Synchronize();
        if (bad == NoBadRow) return;
        float target = 0;
        _context.CopyToHostAsync(&target, pt.Offset(bad * (long)sizeof(float)), sizeof(float), _stream);
        _stream.Synchronize();
        throw new ArgumentException($"cross_entropy: target {target} in row {bad} is not a class index in [0, {classes}).");
    }

    public void CrossEntropyBackward(Tensor logits, Tensor targets, Tensor gLoss, Tensor gLogits)
    {
        const string op = nameof(CrossEntropyBackward);
        long rows = logits.Shape[0], classes = logits.Shape[1];
        _kernels.LaunchRows(Kernel.CrossEntropyBackward, rows, classes,
            Address(logits, op), Address(targets, op), Address(gLoss, op), Address(gLogits, op), rows, classes);
    }

    public void KlDiv(Tensor logProbs, Tensor target, Tensor loss, float scale)
    {
        const string op = nameof(KlDiv);
        SameElementCount(op, logProbs, target);
        WholeSum(Kernel.KlDivChunks, logProbs.Numel, Address(loss, op), scale, Address(logProbs, op), Address(target, op));
    }

    public void KlDivBackward(Tensor logProbs, Tensor target, Tensor gLoss, Tensor? gLogProbs, Tensor? gTarget, float scale)
    {
        const string op = nameof(KlDivBackward);
        SameElementCount(op, logProbs, target);
        _kernels.LaunchGridStride(Kernel.KlDivBackward, logProbs.Numel, Address(logProbs, op), Address(target, op), Address(gLoss, op),
            OptionalAddress(gLogProbs, op), OptionalAddress(gTarget, op), logProbs.Numel, scale);
    }

    public void KdLoss(Tensor student, Tensor teacher, Tensor loss, float temperature)
    {
        const string op = nameof(KdLoss);
        SameElementCount(op, student, teacher);
        long rows = student.Shape[0], classes = student.Shape[1];
        var ps = Address(student, op);
        var pt = Address(teacher, op);
        var pl = Address(loss, op);
        using var rowLoss = Scratch(2 * rows);
        _kernels.LaunchRows(Kernel.KdLossRows, rows, classes, ps, pt, rowLoss.Pointer, rows, classes, 1f / temperature);
        _kernels.LaunchSingleBlock(Kernel.SumFinish, rowLoss.Pointer, rows, pl, 1.0 / rows);
    }

    public void KdLossBackward(Tensor student, Tensor teacher, Tensor gLoss, Tensor gStudent, float temperature)
    {
        const string op = nameof(KdLossBackward);
        SameElementCount(op, student, teacher);
        long rows = student.Shape[0], classes = student.Shape[1];
        _kernels.LaunchRows(Kernel.KdLossBackward, rows, classes, Address(student, op), Address(teacher, op), Address(gLoss, op),
            Address(gStudent, op), rows, classes, 1f / temperature, temperature);
    }
}
