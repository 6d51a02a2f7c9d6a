namespace DafL.Backends.Cuda;

/// <summary>
/// <c>Device.Cuda</c>, the device the CUDA backend registers as (<see cref="CudaSetup.Register"/>): an extension of the
/// core's open <see cref="Device"/>, so that code which references this assembly writes it as before while the core
/// knows no CUDA.
/// </summary>
public static class CudaDeviceName
{
    /// <summary>The name the backend is registered under, as <c>torch.device("cuda")</c> spells it.</summary>
    public const string Name = "cuda";

    static readonly Device Instance = new(Name);

    extension(Device)
    {
        /// <summary>The CUDA device ("cuda").</summary>
        public static Device Cuda => Instance;
    }
}
