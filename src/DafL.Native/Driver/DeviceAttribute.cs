namespace DafL.Native;

/// <summary>The CUdevice_attribute values the backend asks about (numbers from <c>cuda.h</c>, CUDA 11.8 and 12.6).</summary>
public enum DeviceAttribute
{
    MaxThreadsPerBlock = 1,
    MaxSharedMemoryPerBlock = 8,
    WarpSize = 10,
    /// <summary>kHz.</summary>
    ClockRate = 13,
    MultiprocessorCount = 16,
    /// <summary>kHz.</summary>
    MemoryClockRate = 36,
    /// <summary>Bits.</summary>
    GlobalMemoryBusWidth = 37,
    /// <summary>Bytes.</summary>
    L2CacheSize = 38,
    ComputeCapabilityMajor = 75,
    ComputeCapabilityMinor = 76,
    MaxSharedMemoryPerMultiprocessor = 81,
    /// <summary>The most dynamic shared memory a block can opt in to, in bytes.</summary>
    MaxSharedMemoryPerBlockOptin = 97,
}
