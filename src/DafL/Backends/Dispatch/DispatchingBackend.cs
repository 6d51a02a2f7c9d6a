namespace DafL.Backends.Dispatch;

/// <summary>
/// A backend that runs every call on <see cref="Inner"/> and shows each kernel to <see cref="Observer"/> before and
/// after it runs, with the kernel's name and tensors (<see cref="KernelCall"/>). Only this declaration is written by
/// hand: DafL.SourceGen generates one member per <see cref="IBackend"/> member from the interface itself, so a new
/// op needs no forwarder here (the generated file: obj/&lt;configuration&gt;/net10.0/generated/DafL.SourceGen/
/// DafL.SourceGen.Dispatch.DispatchGenerator/DispatchingBackend.g.cs). Install one process-wide with
/// <c>Backend.Intercept(inner =&gt; new DispatchingBackend(inner, observer))</c>, as <see cref="KernelProfile"/> does.
/// </summary>
[GenerateDispatch(typeof(IBackend))]
public sealed partial class DispatchingBackend(IBackend inner, IKernelObserver observer) : IBackend
{
    /// <summary>The backend that runs the kernels.</summary>
    public IBackend Inner { get; } = inner;

    public IKernelObserver Observer { get; } = observer;
}
