using DafL.Memory;
using DafL.Random;

namespace DafL.Backends.Cpu;

/// <summary>
/// The managed CPU backend: the reference every other backend is checked against, and fast in its own right
/// (Vector512/Vector256 FMA kernels, Parallel.For over independent rows or images). One file per op family.
/// </summary>
public sealed unsafe partial class CpuBackend : IBackend
{
    public string Name => "cpu";

    /// <summary>
    /// Let the wide stride-1 3×3 convolutions run as Winograd F(4×4, 3×3) (<see cref="WinogradConv"/>): 1.6–2× faster
    /// at 64–128 channels, and still fp32 within the conformance table's tolerance, but about ten times further from
    /// the exact sum than direct convolution (measured in ConvTests: 1e-5 against 1e-6 of the largest output), which
    /// a deep network with batch norm on small batches amplifies. On by default; off gives the direct kernels, the
    /// most precise reference (as PyTorch's <c>torch.backends.cudnn.allow_tf32</c> trades precision for speed on
    /// the GPU). Process-wide.
    /// </summary>
    public static bool AllowWinograd { get; set; } = true;

    public Storage Allocate(long floats) => new CpuStorage(floats);

    public void Synchronize() { }

    public void Fill(Tensor dst, float value) => dst.Span.Fill(value);

    public void CopyFromHost(ReadOnlySpan<float> src, Tensor dst) => src.CopyTo(dst.Span);

    public void CopyToHost(Tensor src, Span<float> dst) => src.Span.CopyTo(dst);

    public void CopyStrided(Tensor src, Tensor dst)
    {
        if (src.IsContiguous && dst.IsContiguous)
        {
            new ReadOnlySpan<float>(src.Ptr, (int)src.Numel).CopyTo(dst.Span);
            return;
        }
        int rank = src.Rank;
        var index = new int[rank];
        float* s = src.Ptr, d = dst.Ptr;
        for (long n = 0; n < src.Numel; n++)
        {
            long so = 0, doff = 0;
            for (int k = 0; k < rank; k++)
            {
                so += (long)index[k] * src.Strides[k];
                doff += (long)index[k] * dst.Strides[k];
            }
            d[doff] = s[so];
            for (int k = rank - 1; k >= 0; k--)
            {
                if (++index[k] < src.Shape[k]) break;
                index[k] = 0;
            }
        }
    }

    // One Philox block gives four consecutive elements, so both fills run over blocks (a block per element would
    // compute every block four times) and store the ones inside the tensor.
    public void FillUniform(Tensor dst, ulong seed, ulong offset)
    {
        float* d = dst.Ptr;
        long n = dst.Numel;
        Parallelism.ForRanges((n + 3) / 4, 1 << 12, (from, to) =>
        {
            for (long b = from; b < to; b++)
            {
                var (w0, w1, w2, w3) = Philox.BlockAt(seed, offset + (ulong)b);
                long i = 4 * b;
                d[i] = Philox.ToUniform(w0);
                if (i + 1 < n) d[i + 1] = Philox.ToUniform(w1);
                if (i + 2 < n) d[i + 2] = Philox.ToUniform(w2);
                if (i + 3 < n) d[i + 3] = Philox.ToUniform(w3);
            }
        });
    }

    public void FillNormal(Tensor dst, ulong seed, ulong offset)
    {
        float* d = dst.Ptr;
        long n = dst.Numel;
        Parallelism.ForRanges((n + 3) / 4, 1 << 12, (from, to) =>
        {
            for (long b = from; b < to; b++)
            {
                var (w0, w1, w2, w3) = Philox.BlockAt(seed, offset + (ulong)b);
                long i = 4 * b;
                var (n0, n1) = Philox.BoxMuller(w0, w1);
                d[i] = n0;
                if (i + 1 < n) d[i + 1] = n1;
                if (i + 2 >= n) continue;
                var (n2, n3) = Philox.BoxMuller(w2, w3);
                d[i + 2] = n2;
                if (i + 3 < n) d[i + 3] = n3;
            }
        });
    }

    public void AddInPlace(Tensor dst, Tensor src)
    {
        float* d = dst.Ptr, s = src.Ptr;
        Parallelism.ForRanges(dst.Numel, 1 << 16, (from, to) => Simd.Add(d + from, s + from, d + from, to - from));
    }
}
