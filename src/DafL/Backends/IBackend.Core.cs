using DafL.Memory;

namespace DafL.Backends;

/// <summary>
/// The door between ops and hardware. Ops above this interface never know which backend runs. Each file
/// IBackend.*.cs declares one family of kernels; the CPU backend implements every one of them and is the reference.
/// Conventions: tensors passed in are contiguous unless a method says otherwise; outputs are allocated by the
/// caller with the right shape; a kernel writes every element of its outputs, which are marked
/// <see cref="OutputAttribute">[Output]</see> (a generator reads the marks: Dispatch/DispatchingBackend sees every call
/// through one observer, with its outputs). A method that takes a tensor is a kernel; <see cref="Synchronize"/> and
/// <see cref="Allocate"/> take none and are not.
/// </summary>
public partial interface IBackend
{
    string Name { get; }
    /// <summary>Waits until every kernel queued so far has finished (a no-op on the CPU, whose kernels are synchronous).</summary>
    void Synchronize();
    Storage Allocate(long floats);

    void Fill([Output] Tensor dst, float value);
    void CopyFromHost(ReadOnlySpan<float> src, [Output] Tensor dst);
    void CopyToHost(Tensor src, Span<float> dst);
    /// <summary>Copies any-strided <paramref name="src"/> into <paramref name="dst"/> (any strides, same shape).</summary>
    void CopyStrided(Tensor src, [Output] Tensor dst);

    /// <summary>Philox uniform [0,1) into every element, counters from <paramref name="offset"/>.</summary>
    void FillUniform([Output] Tensor dst, ulong seed, ulong offset);
    /// <summary>Philox standard normal into every element, counters from <paramref name="offset"/>.</summary>
    void FillNormal([Output] Tensor dst, ulong seed, ulong offset);

    /// <summary>dst += src (same shape).</summary>
    void AddInPlace([Output] Tensor dst, Tensor src);
}
