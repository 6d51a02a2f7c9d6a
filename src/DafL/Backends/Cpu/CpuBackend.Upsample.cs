using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DafL.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    // Nearest upsampling works on independent (H, W) planes like pooling (PlaneCount, PlaneGrain); each backward
    // sum stays inside one plane.

    public void UpsampleNearest(Tensor x, int scale, Tensor y)
    {
        int w = x.Shape[3], ow = w * scale;
        ForEachInputRow(x, x.Ptr, y.Ptr, scale, (src, first) =>
        {
            if (scale == 2) DuplicatePairs(src, first, w);
            else
                for (int ix = 0; ix < w; ix++)
                    new Span<float>(first + ix * scale, scale).Fill(src[ix]);
            var row = new ReadOnlySpan<float>(first, ow);
            for (int r = 1; r < scale; r++) row.CopyTo(new Span<float>(first + (long)r * ow, ow));
        });
    }

    public void UpsampleNearestBackward(Tensor gy, int scale, Tensor gx)
    {
        int w = gx.Shape[3], ow = w * scale;
        ForEachInputRow(gx, gx.Ptr, gy.Ptr, scale, (dst, block) => // block: the scale rows that copied row dst
        {
            if (scale == 2)
            {
                SumPairsOfTwoRows(block, block + ow, dst, w);
                return;
            }
            for (int ix = 0; ix < w; ix++)
            {
                // The contract's order (and the CUDA kernel's): each column of the window down its rows,
                // then the column sums left to right, which is also what SumPairsOfTwoRows vectorises.
                float sum = 0;
                for (int k = 0; k < scale; k++)
                {
                    float column = 0;
                    for (int r = 0; r < scale; r++) column += block[(long)r * ow + ix * scale + k];
                    sum += column;
                }
                dst[ix] = sum;
            }
        });
    }

    /// <summary>One row of the small image and the <c>scale</c> rows of the large one that it is repeated into.</summary>
    delegate void RowAndItsCopies(float* small, float* large);

    /// <summary>
    /// Calls <paramref name="row"/> for every row of every (H, W) plane of <paramref name="small"/> (data at
    /// <paramref name="pSmall"/>) with its block of rows in the ×<paramref name="scale"/> image at
    /// <paramref name="pLarge"/>; planes in parallel, and each call writes only its own row or block.
    /// </summary>
    static void ForEachInputRow(Tensor small, float* pSmall, float* pLarge, int scale, RowAndItsCopies row)
    {
        int h = small.Shape[2], w = small.Shape[3], ow = w * scale;
        long inPlane = (long)h * w, outPlane = inPlane * scale * scale;
        Parallelism.ForRanges(PlaneCount(small), PlaneGrain(outPlane), (from, to) =>
        {
            for (long p = from; p < to; p++)
                for (int iy = 0; iy < h; iy++)
                    row(pSmall + p * inPlane + (long)iy * w, pLarge + p * outPlane + (long)iy * scale * ow);
        });
    }

    static readonly Vector512<int> PairIndices512 = Vector512.Create(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    static readonly Vector256<int> PairIndices256 = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);

    /// <summary>dst[2i] = dst[2i + 1] = src[i] for i &lt; n: one output row of a ×2 nearest upsample.</summary>
    internal static void DuplicatePairs(float* src, float* dst, int n)
    {
        int i = 0;
        if (Avx512F.IsSupported)
            for (; i + 8 <= n; i += 8)
                Vector512.Store(Avx512F.PermuteVar16x32(Vector256.Load(src + i).ToVector512Unsafe(), PairIndices512), dst + 2 * i);
        if (Avx2.IsSupported)
            for (; i + 4 <= n; i += 4)
                Vector256.Store(Avx2.PermuteVar8x32(Vector128.Load(src + i).ToVector256Unsafe(), PairIndices256), dst + 2 * i);
        for (; i < n; i++) dst[2 * i] = dst[2 * i + 1] = src[i];
    }

    /// <summary>dst[i] = a[2i] + a[2i + 1] + b[2i] + b[2i + 1] for i &lt; n: the ×2 upsample gradient of one row.</summary>
    internal static void SumPairsOfTwoRows(float* a, float* b, float* dst, int n)
    {
        int i = 0;
        if (Avx512F.IsSupported)
            for (; i + 16 <= n; i += 16)
            {
                var lo = Vector512.Load(a + 2 * i) + Vector512.Load(b + 2 * i);           // columns 2i .. 2i+15
                var hi = Vector512.Load(a + 2 * i + 16) + Vector512.Load(b + 2 * i + 16); // columns 2i+16 .. 2i+31
                Vector512.Store(Avx512F.PermuteVar16x32x2(lo, Evens512, hi) + Avx512F.PermuteVar16x32x2(lo, Odds512, hi), dst + i);
            }
        if (Avx2.IsSupported)
            for (; i + 8 <= n; i += 8)
            {
                var lo = Vector256.Load(a + 2 * i) + Vector256.Load(b + 2 * i);
                var hi = Vector256.Load(a + 2 * i + 8) + Vector256.Load(b + 2 * i + 8);
                // hadd pairs within 128-bit lanes: [lo01 lo23 hi01 hi23 | lo45 lo67 hi45 hi67]; reorder the 64-bit halves.
                var sums = Avx.HorizontalAdd(lo, hi).AsDouble();
                Vector256.Store(Avx2.Permute4x64(sums, 0b11_01_10_00).AsSingle(), dst + i);
            }
        for (; i < n; i++) dst[i] = (a[2 * i] + b[2 * i]) + (a[2 * i + 1] + b[2 * i + 1]); // as the vector paths: columns first
    }
}
