namespace DafL.Backends;

/// <summary>
/// NumPy broadcasting as a kernel walks it. Shapes align from the right and a dimension of size 1 stretches to
/// match the other. <see cref="Create"/> collapses the iteration space so that a kernel loops over as few and as
/// long dimensions as possible: dimensions of size 1 are dropped, and neighbours merge when every operand either
/// walks through both contiguously or holds still across both. "Same shape" becomes one dimension, a scalar
/// operand one dimension of stride 0, and "(N, C, H, W) with (C, 1, 1)" three: N (operand still), C (walked),
/// H·W (still). Operands are contiguous row-major tensors; a stride of 0 marks a dimension an operand broadcasts over.
/// Public: every backend walks this same layout, so that all of them iterate (and add) in the same order.
/// </summary>
public sealed class BroadcastLayout
{
    /// <summary>Sizes of the collapsed dimensions, outermost first; empty when there is one element.</summary>
    public long[] Sizes { get; }
    /// <summary>Per operand, its element stride along each collapsed dimension (0 where it broadcasts).</summary>
    public long[][] Strides { get; }
    public long Numel { get; }
    /// <summary>Length of the innermost collapsed dimension (the contiguous run a kernel vectorises over).</summary>
    public long Inner => Sizes.Length == 0 ? 1 : Sizes[^1];

    BroadcastLayout(long[] sizes, long[][] strides)
    {
        Sizes = sizes;
        Strides = strides;
        Numel = 1;
        foreach (var s in sizes) Numel *= s;
    }

    /// <summary>The shape that <paramref name="a"/> and <paramref name="b"/> broadcast to, or an error naming the op.</summary>
    public static int[] ResultShape(string op, int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var shape = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            int da = SizeAt(a, d, rank), db = SizeAt(b, d, rank);
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {Tensor.ShapeString(a)} and {Tensor.ShapeString(b)} cannot be broadcast together (dimension {d - rank}: {da} vs {db}).");
            shape[d] = da == 1 ? db : da;
        }
        return shape;
    }

    /// <summary>The collapsed walk over <paramref name="shape"/> for operands that each broadcast to it.</summary>
    public static BroadcastLayout Create(int[] shape, params int[][] operands)
    {
        int rank = shape.Length;
        var full = new long[operands.Length][];
        for (int k = 0; k < operands.Length; k++)
        {
            var o = operands[k];
            if (o.Length > rank)
                throw new ArgumentException($"Broadcast: operand {Tensor.ShapeString(o)} has more dimensions than {Tensor.ShapeString(shape)}.");
            full[k] = new long[rank];
            long stride = 1;
            for (int d = rank - 1; d >= 0; d--)
            {
                int size = SizeAt(o, d, rank);
                if (size != shape[d] && size != 1)
                    throw new ArgumentException($"Broadcast: operand {Tensor.ShapeString(o)} does not broadcast to {Tensor.ShapeString(shape)}.");
                full[k][d] = size == 1 ? 0 : stride;
                stride *= size;
            }
        }

        var sizes = new List<long>(rank);
        var strides = operands.Select(_ => new List<long>(rank)).ToArray();
        for (int d = 0; d < rank; d++)
        {
            if (shape[d] == 1) continue;
            bool merges = sizes.Count > 0;
            for (int k = 0; k < operands.Length && merges; k++)
                merges = strides[k][^1] == full[k][d] * shape[d];
            if (merges)
            {
                sizes[^1] *= shape[d];
                for (int k = 0; k < operands.Length; k++) strides[k][^1] = full[k][d];
            }
            else
            {
                sizes.Add(shape[d]);
                for (int k = 0; k < operands.Length; k++) strides[k].Add(full[k][d]);
            }
        }
        return new BroadcastLayout(sizes.ToArray(), strides.Select(s => s.ToArray()).ToArray());
    }

    /// <summary>Element offset in operand <paramref name="operand"/> of the start of innermost run number <paramref name="row"/>.</summary>
    public long RowOffset(int operand, long row)
    {
        var st = Strides[operand];
        long offset = 0;
        for (int d = Sizes.Length - 2; d >= 0; d--)
        {
            offset += row % Sizes[d] * st[d];
            row /= Sizes[d];
        }
        return offset;
    }

    /// <summary>Operand <paramref name="operand"/>'s stride along the innermost run: 1 (walked) or 0 (broadcast).</summary>
    public long InnerStride(int operand) => Sizes.Length == 0 ? 0 : Strides[operand][^1];

    static int SizeAt(int[] shape, int d, int rank)
    {
        int i = d - (rank - shape.Length);
        return i < 0 ? 1 : shape[i];
    }
}
