namespace DafL.Backends;

/// <summary>
/// Marks a tensor parameter of an <see cref="IBackend"/> method that the kernel writes: a result, or a tensor
/// updated in place (it may read it first, as <c>AddInPlace</c>'s dst or <c>MatMul</c>'s c with beta ≠ 0). Every
/// other tensor argument is only read. A <c>Tensor?</c> output may be null (not wanted). DafL.SourceGen reads the
/// marks to hand each kernel's outputs to a <see cref="Dispatch.IKernelObserver"/>; it rejects the mark on anything
/// but a tensor (DAFL001).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class OutputAttribute : Attribute;
