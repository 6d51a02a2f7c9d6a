namespace DafL.Backends.Cpu;

/// <summary>
/// The staging step of <see cref="PaddedConv"/>: each image copied into its zero-padded planes, upsampled ×2 by
/// nearest neighbour on the way when the layout says so (the DAFL generator's Conv2d(UpsampleNearest(h, 2))).
/// </summary>
internal static unsafe partial class PaddedConv
{
    /// <summary>
    /// dst[c·channelStride + (i + ph)·Wp + (j + pw)] = src[c, i / u, j / u] (u = <see cref="Layout.Upsample"/>), zero
    /// on the border; the planes are dense (channelStride = Plane) or interleaved with other images'.
    /// </summary>
    public static void StagePadded(float* src, in Layout l, float* dst, long channelStride)
    {
        int wp = l.Wp, w = l.W, u = l.Upsample, sw = w / u;
        long rowBytes = (long)w * sizeof(float);
        for (int c = 0; c < l.Channels; c++)
        {
            float* plane = dst + c * channelStride;
            new Span<float>(plane, l.PadH * wp + l.PadW).Clear();
            float* s = src + (long)c * (l.H / u) * sw;
            for (int i = 0; i < l.H; i++)
            {
                float* row = plane + (long)(i + l.PadH) * wp + l.PadW;
                if (u == 1) Buffer.MemoryCopy(s + (long)i * w, row, rowBytes, rowBytes);
                else if (i % 2 == 0) CpuBackend.DuplicatePairs(s + (long)(i / 2) * sw, row, sw);
                else Buffer.MemoryCopy(row - wp, row, rowBytes, rowBytes); // the odd row repeats the even one above
                // The right border of this row and the left border of the next are adjacent.
                new Span<float>(row + w, i + 1 < l.H ? 2 * l.PadW : l.PadW + l.PadH * wp).Clear();
            }
        }
    }
}
