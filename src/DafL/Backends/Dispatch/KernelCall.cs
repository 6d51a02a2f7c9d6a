namespace DafL.Backends.Dispatch;

/// <summary>
/// One kernel call as an <see cref="IKernelObserver"/> sees it: the backend that runs it, the kernel's name (its
/// <see cref="IBackend"/> method), every tensor argument in parameter order and the ones the kernel writes
/// (<see cref="OutputAttribute">[Output]</see>). A nullable tensor that was not given is null in both lists. It lives
/// on the stack, its lists too, so observing a call allocates nothing.
/// </summary>
public readonly ref struct KernelCall(IBackend backend, string kernel, ReadOnlySpan<Tensor?> tensors, ReadOnlySpan<Tensor?> outputs)
{
    /// <summary>The backend that runs the kernel (the decorated one).</summary>
    public IBackend Backend { get; } = backend;

    /// <summary>The kernel's name: the name of its <see cref="IBackend"/> method, e.g. <c>"Conv2dForward"</c>.</summary>
    public string Kernel { get; } = kernel;

    /// <summary>Every tensor argument, in parameter order (inputs and outputs).</summary>
    public ReadOnlySpan<Tensor?> Tensors { get; } = tensors;

    /// <summary>The tensors the kernel writes, in parameter order.</summary>
    public ReadOnlySpan<Tensor?> Outputs { get; } = outputs;
}
