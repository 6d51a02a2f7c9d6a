using DafL.Native;

namespace DafL.Backends.Cuda.Kernels;

/// <summary>
/// One kernel parameter for <c>cuLaunchKernel</c>: a scalar or device pointer held by value in 8 bytes (the driver
/// reads as many bytes as the parameter's C type has, little-endian, from the start), or the address of a struct
/// that the caller keeps alive on its stack across the launch. The C# type must be the kernel's: <c>long</c> for
/// <c>long long</c>, <c>int</c> for <c>int</c>, <c>float</c>, <c>double</c>, <c>ulong</c> for <c>unsigned long long</c>.
/// </summary>
internal readonly unsafe struct KernelArgument
{
    readonly ulong _bits;
    readonly void* _address;

    KernelArgument(ulong bits, void* address)
    {
        _bits = bits;
        _address = address;
    }

    /// <summary>Where the driver reads the value: <paramref name="slot"/> (holding the bits) or the struct's address.</summary>
    public void* Address(ulong* slot)
    {
        if (_address != null) return _address;
        *slot = _bits;
        return slot;
    }

    /// <summary>A struct passed by value, read from <paramref name="value"/> at launch.</summary>
    public static KernelArgument Struct<T>(T* value) where T : unmanaged => new(0, value);

    public static implicit operator KernelArgument(DevicePointer pointer) => new(pointer.Address, null);
    public static implicit operator KernelArgument(long value) => new((ulong)value, null);
    public static implicit operator KernelArgument(ulong value) => new(value, null);
    public static implicit operator KernelArgument(int value) => new((uint)value, null);
    public static implicit operator KernelArgument(uint value) => new(value, null);
    public static implicit operator KernelArgument(float value) => new(BitConverter.SingleToUInt32Bits(value), null);
    public static implicit operator KernelArgument(double value) => new(BitConverter.DoubleToUInt64Bits(value), null);
}
