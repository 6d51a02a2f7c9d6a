namespace DafL;

/// <summary>Where a tensor's memory lives and which backend runs its ops.</summary>
public enum Device
{
    Cpu,
    Cuda,
}
