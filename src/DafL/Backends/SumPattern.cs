namespace DafL.Backends;

/// <summary>The shapes of reduction that <see cref="IBackend.SumTo"/> has a dedicated kernel for.</summary>
public enum SumKind
{
    /// <summary>Only size-1 dimensions differ: y holds x's elements in the same order (a scaled copy).</summary>
    Copy,
    /// <summary>(O, R, I): kept dimensions before and after one reduced run; Middle is the reduced size.</summary>
    OuterReduceInner,
    /// <summary>(R, K, R): reduced, kept, reduced (a bias gradient over (N, C, H·W)); Middle is the kept size.</summary>
    ReduceKeepReduce,
    /// <summary>Anything else: the layout's own order.</summary>
    Generic,
}

/// <summary>
/// How SumTo folds x into y, worked out once so that every backend picks the same kernel for the same shapes (and so
/// the same order of additions). Outer, Middle and Inner are the three sizes of the two dedicated patterns. Public:
/// a backend outside the core picks its kernels by it.
/// </summary>
public readonly record struct SumPattern(SumKind Kind, long Outer, long Middle, long Inner, BroadcastLayout Layout)
{
    public static SumPattern Of(int[] xShape, int[] yShape)
    {
        var layout = BroadcastLayout.Create(xShape, yShape);
        var sizes = layout.Sizes;
        var kept = layout.Strides[0].Select(s => s != 0).ToArray();
        int reducedRuns = kept.Count(k => !k);
        if (reducedRuns == 0) return new(SumKind.Copy, 0, 0, 0, layout);
        if (reducedRuns == 1)
        {
            // The layout alternates kept and reduced runs, so one reduced run has at most one kept run on each side.
            int r = Array.IndexOf(kept, false);
            long outer = 1, inner = 1;
            for (int d = 0; d < r; d++) outer *= sizes[d];
            for (int d = r + 1; d < sizes.Length; d++) inner *= sizes[d];
            return new(SumKind.OuterReduceInner, outer, sizes[r], inner, layout);
        }
        if (sizes.Length == 3 && kept[1]) return new(SumKind.ReduceKeepReduce, sizes[0], sizes[1], sizes[2], layout);
        return new(SumKind.Generic, 0, 0, 0, layout);
    }
}
