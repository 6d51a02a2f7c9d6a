namespace DafL.Native;

/// <summary>
/// An address in device memory (CUdeviceptr, 64-bit). cuBLAS and cuDNN take the same address as a <c>void*</c>;
/// <see cref="Native"/> gives it in that form.
/// </summary>
public readonly record struct DevicePointer(ulong Address)
{
    /// <summary>The null device address.</summary>
    public static DevicePointer Null => default;

    /// <summary>True for the null address.</summary>
    public bool IsNull => Address == 0;

    /// <summary>The address as a pointer-sized integer, for libraries that declare it <c>void*</c>.</summary>
    public nint Native => (nint)Address;

    /// <summary>The address <paramref name="bytes"/> further on.</summary>
    public DevicePointer Offset(long bytes) => new((ulong)((long)Address + bytes));

    public override string ToString() => $"0x{Address:x}";
}
