using DafL.Memory;

namespace DafL.Tests.Support;

/// <summary>
/// Memory that says it is on <see cref="Device.Cuda"/> but is host memory: a <see cref="CpuStorage"/> that this
/// storage holds one reference to. Because it is not a CpuStorage itself, <see cref="Tensor.Ptr"/> and
/// <see cref="Tensor.Span"/> refuse its tensors exactly as they refuse real device memory.
/// </summary>
sealed class FakeCudaStorage(long length) : Storage(length)
{
    public CpuStorage Host { get; } = new(length);

    public override Device Device => Device.Cuda;

    protected override void Free() => Host.Release();
}
