namespace DafL.Backends.Dispatch;

/// <summary>
/// Watches the kernels a <see cref="DispatchingBackend"/> runs: the one interception point for profiling
/// (<see cref="KernelProfile"/>), counting (<see cref="KernelCounter"/>) and, in the tests, fault injection.
/// A kernel is an <see cref="IBackend"/> method that takes a tensor, host copies included; Synchronize, Allocate and
/// Name are not kernels and reach the inner backend unobserved.
/// </summary>
public interface IKernelObserver
{
    /// <summary>
    /// Before the kernel runs. Returns whether to run it: false skips it, leaving its outputs unwritten (and
    /// <see cref="After"/> is not called). An exception thrown here is the call's exception.
    /// </summary>
    bool Before(in KernelCall call);

    /// <summary>After the kernel returned (it may still be queued on an asynchronous device); sees its outputs. Not called when the kernel throws.</summary>
    void After(in KernelCall call);
}
