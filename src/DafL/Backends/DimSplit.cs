namespace DafL.Backends;

/// <summary>
/// A contiguous shape seen as (outer, size, inner) around one dimension: <c>Outer · Inner</c> independent rows of
/// <c>Size</c> elements, <c>Inner</c> apart. Every backend walks an argmax, a softmax or a reduction along a dimension
/// this way, so it is part of the backend contract, not of one backend.
/// </summary>
public readonly record struct DimSplit(long Outer, long Size, long Inner)
{
    public static DimSplit Around(int[] shape, int dim)
    {
        long outer = 1, inner = 1;
        for (int d = 0; d < dim; d++) outer *= shape[d];
        for (int d = dim + 1; d < shape.Length; d++) inner *= shape[d];
        return new DimSplit(outer, shape[dim], inner);
    }
}
