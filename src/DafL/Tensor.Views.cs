using DafL.Autograd;

namespace DafL;

/// <summary>
/// Views: new tensors over the same memory with another shape, offset or strides (PyTorch's <c>view</c>,
/// <c>reshape</c>, <c>flatten</c>, <c>narrow</c>, <c>t</c>, <c>contiguous</c>, <c>detach</c>), and <c>clone</c>. Each
/// differentiable view records its own backward here, beside it, through the autograd <see cref="Graph"/>: a view is
/// part of the tensor, so it does not call up into <see cref="Ops.Functional"/>, which is built on top of it.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>A view with a new shape over the same elements; one dimension may be -1. Copies only if not contiguous.</summary>
    public Tensor Reshape(params int[] shape)
    {
        var resolved = ResolveShape(shape, Numel, "Reshape", Shape);
        if (!IsContiguous)
        {
            using var c = Contiguous();
            return c.Reshape(resolved);
        }
        var view = MakeView(resolved, ContiguousStrides(resolved), Offset);
        return RecordView("reshape", view, this);
    }

    public Tensor View(params int[] shape) => Reshape(shape);

    /// <summary>A reshaped view that is never recorded in the graph (used inside backward closures).</summary>
    internal Tensor ReshapeNoGrad(int[] shape)
    {
        if (!IsContiguous) throw new InvalidOperationException("ReshapeNoGrad: tensor is not contiguous.");
        return MakeView(ResolveShape(shape, Numel, "Reshape", Shape), ContiguousStrides(shape), Offset);
    }

    /// <summary>Flattens dimensions from <paramref name="startDim"/> on: (B, C, H, W) → (B, C·H·W).</summary>
    public Tensor Flatten(int startDim = 1)
    {
        if (startDim < 0 || startDim > Rank) throw new ArgumentOutOfRangeException(nameof(startDim), $"Flatten: start dim {startDim} for shape {ShapeString(Shape)}.");
        var shape = Shape.Take(startDim).Append(checked((int)NumelOf(Shape[startDim..]))).ToArray();
        return Reshape(shape);
    }

    /// <summary>A view of rows [start, start+length) along dimension 0 (a batch slice).</summary>
    public Tensor Narrow0(int start, int length)
    {
        if (Rank == 0 || start < 0 || length < 0 || start + length > Shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"Narrow0: rows [{start}, {start + length}) of shape {ShapeString(Shape)}.");
        var shape = (int[])Shape.Clone();
        shape[0] = length;
        var view = MakeView(shape, (int[])Strides.Clone(), Offset + (long)start * Strides[0]);
        return RecordNarrow0(view, this, start);
    }

    /// <summary>A transposed view of a 2-D tensor (strides swapped, no copy).</summary>
    public Tensor T()
    {
        if (Rank != 2) throw new InvalidOperationException($"T: expects a 2-D tensor, got {ShapeString(Shape)}.");
        var view = MakeView([Shape[1], Shape[0]], [Strides[1], Strides[0]], Offset);
        return RecordTranspose(view, this);
    }

    /// <summary>This tensor if already contiguous (as a new handle sharing memory), else a row-major copy.</summary>
    public Tensor Contiguous()
    {
        if (IsContiguous) return RecordView("contiguous", MakeView(Shape, Strides, Offset), this);
        var dst = Empty(Shape, Device);
        Backend.CopyStrided(this, dst);
        return RecordView("contiguous", dst, this);
    }

    /// <summary>Contiguous data for a kernel: a new handle on this memory, or a row-major copy. Never recorded.</summary>
    internal Tensor ContiguousNoGrad() => IsContiguous ? MakeView(Shape, Strides, Offset) : Clone();

    /// <summary>A new handle on the same memory that is cut from the graph.</summary>
    public Tensor Detach() => MakeView(Shape, Strides, Offset);

    /// <summary>A contiguous copy with its own memory, cut from the graph.</summary>
    public Tensor Clone()
    {
        var dst = Empty(Shape, Device);
        Backend.CopyStrided(this, dst);
        return dst;
    }

    internal Tensor MakeView(int[] shape, int[] strides, long offset)
    {
        Storage.AddRef();
        return new Tensor(Storage, shape, strides, offset);
    }

    /// <summary>A view (or copy) with the same elements in the same order: the gradient is reshaped back.</summary>
    static Tensor RecordView(string op, Tensor view, Tensor source) =>
        Graph.Record(op, view, [source], gy =>
        {
            using var c = gy.ContiguousNoGrad();
            return [c.ReshapeNoGrad(source.Shape)];
        });

    /// <summary>Rows [start, start + rows) of the source: the gradient is zero elsewhere.</summary>
    static Tensor RecordNarrow0(Tensor view, Tensor source, int start) =>
        Graph.Record("narrow0", view, [source], gy =>
        {
            var g = Zeros(source.Shape, source.Device);
            using (var slot = g.Narrow0(start, view.Shape[0])) slot.CopyFrom(gy);
            return [g];
        });

    /// <summary>The transposed source: the gradient is transposed back.</summary>
    static Tensor RecordTranspose(Tensor view, Tensor source) =>
        Graph.Record("transpose", view, [source], gy =>
        {
            var g = Empty(source.Shape, source.Device);
            using (var gt = gy.T()) g.CopyFrom(gt);
            return [g];
        });
}
