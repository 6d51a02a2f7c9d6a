namespace DafL.Backends;

/// <summary>Finds the backend that runs ops for a device.</summary>
public static class Backend
{
    static IBackend? _cuda;

    public static IBackend Cpu { get; } = new Cpu.CpuBackend();

    public static IBackend For(Device device) => device switch
    {
        Device.Cpu => Cpu,
        Device.Cuda => _cuda ?? throw new InvalidOperationException("No CUDA backend is registered in this process (CUDA support arrives with the CUDA backend; use Device.Cpu)."),
        _ => throw new ArgumentOutOfRangeException(nameof(device)),
    };

    /// <summary>Installs the CUDA backend (done by the CUDA assembly when a device is present).</summary>
    public static void RegisterCuda(IBackend backend) => _cuda = backend;
}
