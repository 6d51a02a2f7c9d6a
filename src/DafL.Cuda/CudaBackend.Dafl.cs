using DafL.Backends.Cuda.Kernels;
using DafL.Native;

namespace DafL.Backends.Cuda;

/// <summary>
/// DAFL's generator losses. The information entropy needs the batch mean of the row softmaxes: blocks of 64 rows
/// write per-class float64 partials, and one block adds them in order into the loss (forward) or into the
/// per-class weights scale·ln p̄ that the row pass of the backward uses.
/// </summary>
public sealed partial class CudaBackend
{
    /// <summary>Rows per block of information_entropy_chunks_f32 (ENTROPY_CHUNK_ROWS in dafl.cu).</summary>
    const long EntropyChunkRows = 64;

    public void InformationEntropy(Tensor logits, Tensor loss, float scale)
    {
        const string op = nameof(InformationEntropy);
        var px = Address(logits, op);
        var pl = Address(loss, op);
        long rows = logits.Shape[0], classes = logits.Shape[1], chunks = (rows + EntropyChunkRows - 1) / EntropyChunkRows;
        using var partials = Scratch(2 * chunks * classes);
        _kernels.LaunchPerItem(Kernel.InformationEntropyChunks, chunks, px, partials.Pointer, rows, classes);
        _kernels.LaunchSingleBlock(Kernel.InformationEntropyFinish, partials.Pointer, chunks, rows, classes, pl, DevicePointer.Null, scale);
    }

    public void InformationEntropyBackward(Tensor logits, Tensor gLoss, Tensor gLogits, float scale)
    {
        const string op = nameof(InformationEntropyBackward);
        var px = Address(logits, op);
        var pg = Address(gLoss, op);
        var po = Address(gLogits, op);
        long rows = logits.Shape[0], classes = logits.Shape[1], chunks = (rows + EntropyChunkRows - 1) / EntropyChunkRows;
        using var partials = Scratch(2 * chunks * classes);
        using var weights = Scratch(classes); // scale·ln p̄ per class
        _kernels.LaunchPerItem(Kernel.InformationEntropyChunks, chunks, px, partials.Pointer, rows, classes);
        _kernels.LaunchSingleBlock(Kernel.InformationEntropyFinish, partials.Pointer, chunks, rows, classes, DevicePointer.Null, weights.Pointer, scale);
        _kernels.LaunchRows(Kernel.InformationEntropyBackward, rows, classes, px, weights.Pointer, pg, po, rows, classes);
    }

    public void AbsSum(Tensor x, Tensor loss, float scale) =>
        WholeSum(Kernel.AbsSumChunks, x.Numel, Address(loss, nameof(AbsSum)), scale, Address(x, nameof(AbsSum)));

    public void AbsSumBackward(Tensor x, Tensor gLoss, Tensor gx, float scale)
    {
        const string op = nameof(AbsSumBackward);
        SameElementCount(op, x, gx);
        _kernels.LaunchGridStride(Kernel.AbsSumBackward, x.Numel, Address(x, op), Address(gLoss, op), Address(gx, op), x.Numel, scale);
    }
}
