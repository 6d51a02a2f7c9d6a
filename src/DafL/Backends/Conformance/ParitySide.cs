using DafL.Backends;

namespace DafL.Backends.Conformance;

/// <summary>
/// One side of a parity check: the backend whose kernels run and the device its tensors live on. Tensors are
/// allocated through <see cref="Tensor.Empty"/> on <see cref="Device"/>, i.e. by <see cref="Backend.For"/>; for a
/// registered backend that is the same instance <see cref="Backend.TryGet"/> hands out.
/// </summary>
public sealed record ParitySide(IBackend Backend, Device Device)
{
    /// <summary>The CPU backend, the reference every other backend is checked against.</summary>
    public static ParitySide Cpu { get; } = new(DafL.Backends.Backend.Cpu, Device.Cpu);

    public override string ToString() => $"{Backend.Name} ({Device})";
}
