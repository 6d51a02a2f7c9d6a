using DafL.Backends;
using DafL.Backends.Dispatch;

namespace DafL.Tests.Support;

/// <summary>
/// A third backend, plugged in the way another assembly (another vendor's, a remote one) would: through the public
/// registry under its own device name, with no InternalsVisibleTo. It runs the CPU's kernels through the dispatch
/// layer and counts each one, so a test can tell that an op really went through it and not straight to the CPU.
/// Registration is process-wide: <see cref="Register"/> hands back what it replaced, for the test to restore.
/// </summary>
public static class LoopbackBackend
{
    public const string Name = "loopback";

    public static Device Device { get; } = new(Name);

    /// <summary>Every kernel the loopback backend has run in this process, by IBackend method name.</summary>
    public static KernelCounter Kernels { get; } = new();

    /// <summary>Registers the loopback backend as DafL.Cuda's CudaSetup.Register registers "cuda"; returns the factory it replaced.</summary>
    public static Func<IBackend>? Register() => Backend.Register(Name, () => new DispatchingBackend(Backend.Cpu, Kernels));
}
