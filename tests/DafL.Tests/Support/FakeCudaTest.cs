using DafL.Backends;

namespace DafL.Tests.Support;

/// <summary>
/// Base of test fixtures that run on the fake CUDA device: installs <see cref="HostBackedFakeCudaBackend"/> as the
/// process's CUDA backend for the fixture and puts the previous registration back after it. The registration is
/// global, so these fixtures never run in parallel with others.
/// </summary>
[NonParallelizable]
public abstract class FakeCudaTest : LeakCheckedTest
{
    Func<IBackend>? _previous;

    /// <summary>The backend the tests' Cuda tensors run on.</summary>
    private protected HostBackedFakeCudaBackend FakeCuda { get; } = new();

    [OneTimeSetUp]
    public void InstallFakeCuda() => _previous = Backend.SwapCudaFactory(() => FakeCuda);

    [OneTimeTearDown]
    public void RestoreCuda() => Backend.SwapCudaFactory(_previous);
}
