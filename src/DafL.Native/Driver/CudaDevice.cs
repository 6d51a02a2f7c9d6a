namespace DafL.Native;

/// <summary>One CUDA device and what the driver says about it. Queries need no context.</summary>
public sealed unsafe class CudaDevice
{
    /// <summary>The device's index, 0 to <see cref="Cuda.DeviceCount"/> − 1.</summary>
    public int Ordinal { get; }

    /// <summary>The driver's CUdevice handle.</summary>
    internal int Handle { get; }

    CudaDevice(int ordinal, int handle)
    {
        Ordinal = ordinal;
        Handle = handle;
    }

    /// <summary>The device with the given ordinal.</summary>
    public static CudaDevice Get(int ordinal)
    {
        var api = Cuda.Api;
        if ((uint)ordinal >= (uint)Cuda.DeviceCount)
            throw new ArgumentOutOfRangeException(nameof(ordinal), ordinal, $"CudaDevice.Get: there are {Cuda.DeviceCount} CUDA devices.");
        int handle;
        DriverStatus.Check(api.cuDeviceGet(&handle, ordinal));
        return new CudaDevice(ordinal, handle);
    }

    /// <summary>The product name, e.g. "NVIDIA H200".</summary>
    public string Name
    {
        get
        {
            const int Capacity = 256;
            byte* name = stackalloc byte[Capacity];
            DriverStatus.Check(Cuda.Api.cuDeviceGetName(name, Capacity, Handle));
            name[Capacity - 1] = 0; // the driver truncates long names; make sure the text ends inside the buffer
            return NativeText.Utf8(name) ?? "";
        }
    }

    /// <summary>One attribute's value.</summary>
    public int GetAttribute(DeviceAttribute attribute)
    {
        int value;
        DriverStatus.Check(Cuda.Api.cuDeviceGetAttribute(&value, (int)attribute, Handle));
        return value;
    }

    /// <summary>The compute capability, (9, 0) for Hopper.</summary>
    public (int Major, int Minor) ComputeCapability =>
        (GetAttribute(DeviceAttribute.ComputeCapabilityMajor), GetAttribute(DeviceAttribute.ComputeCapabilityMinor));

    /// <summary>The NVRTC architecture for this device's own machine code: <c>sm_90</c> for compute capability 9.0.</summary>
    public string Architecture
    {
        get
        {
            var (major, minor) = ComputeCapability;
            return $"sm_{major}{minor}";
        }
    }

    /// <summary>The number of streaming multiprocessors.</summary>
    public int MultiprocessorCount => GetAttribute(DeviceAttribute.MultiprocessorCount);

    /// <summary>Total device memory in bytes.</summary>
    public long TotalMemoryBytes
    {
        get
        {
            nuint bytes;
            DriverStatus.Check(Cuda.Api.cuDeviceTotalMem_v2(&bytes, Handle));
            return (long)bytes;
        }
    }

    public override string ToString() => $"CUDA device {Ordinal}";
}
